"""Bolt listeners: ack at once, then hand the work to `Flows` in a thread. Nothing here touches the database."""

from __future__ import annotations

import asyncio
import logging
import re
from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_bolt.response import BoltResponse
from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.web.async_client import AsyncWebClient

from bot.errors import RRBotError
from bot.slack import modals
from bot.slack.flows import Flows

log = logging.getLogger(__name__)
ANY = re.compile(".*")


class People:
    """Slack user id -> display name, from our table, else users.info, else the payload's own name."""

    def __init__(self, flows: Flows) -> None:
        self.flows = flows
        self._names: dict[str, str] = {}

    async def actor(self, user: dict[str, Any], client: AsyncWebClient) -> tuple[str, str]:
        uid = user["id"]
        name = self._names.get(uid) or await asyncio.to_thread(self.flows.known_name, uid)
        if not name:
            name = user.get("name") or user.get("username") or uid
            try:
                info = (await client.users_info(user=uid)).get("user") or {}
                profile = info.get("profile") or {}
                name = profile.get("display_name") or info.get("real_name") or profile.get("real_name") or name
            except (SlackApiError, SlackClientError, OSError) as exc:
                log.warning("users.info failed for %s: %s", uid, type(exc).__name__)
            await asyncio.to_thread(self.flows.remember, uid, name)
        self._names[uid] = name
        return f"slack:{uid} ({name})", name


def register(app: AsyncApp, flows: Flows) -> None:
    people = People(flows)

    async def run(fn: Any, **kwargs: Any) -> Any:
        try:
            return await asyncio.to_thread(fn, **kwargs)
        except RRBotError as exc:
            log.warning("slack action refused: %s", exc.message)
            return None

    @app.middleware
    async def deduplicate_events(body: dict[str, Any], next: Any) -> BoltResponse | None:
        """Events API retries and double deliveries carry the same event_id: handle it once, answer 200."""
        event_id = body.get("event_id") if body.get("type") == "event_callback" else None
        if event_id and not await asyncio.to_thread(flows.first_time, f"event:{event_id}"):
            return BoltResponse(status=200, body="")
        await next()
        return None

    @app.action("case_ack")
    async def on_ack(ack: Any, body: dict[str, Any], action: dict[str, Any], client: AsyncWebClient) -> None:
        await ack()
        actor, _ = await people.actor(body["user"], client)
        await run(flows.ack, case_id=action["value"], actor=actor)

    @app.action("case_resolve")
    async def on_resolve(ack: Any, body: dict[str, Any], action: dict[str, Any], client: AsyncWebClient) -> None:
        await ack()
        actor, _ = await people.actor(body["user"], client)
        await run(flows.resolve, case_id=action["value"], actor=actor)

    @app.action("case_snooze")
    async def on_snooze(ack: Any, body: dict[str, Any], action: dict[str, Any], client: AsyncWebClient) -> None:
        await ack()
        actor, _ = await people.actor(body["user"], client)
        await run(flows.snooze, case_id=action["value"], actor=actor)

    @app.action("reminder_got_it")
    async def on_got_it(ack: Any, body: dict[str, Any], action: dict[str, Any], client: AsyncWebClient) -> None:
        await ack()
        actor, name = await people.actor(body["user"], client)
        await run(flows.got_it, reminder_id=int(action["value"]), user_id=body["user"]["id"], name=name, actor=actor)

    async def open_modal(body: dict[str, Any], client: AsyncWebClient, view: dict[str, Any] | None) -> None:
        if view is not None:
            await client.views_open(trigger_id=body["trigger_id"], view=view)

    @app.action(re.compile(r"^case_reply(_\d)?$"))
    async def on_reply(ack: Any, body: dict[str, Any], action: dict[str, Any], client: AsyncWebClient) -> None:
        await ack()
        case_id, _, index = action["value"].partition(":")
        await open_modal(body, client, await run(flows.reply_modal, case_id=case_id, index=int(index or 0)))

    @app.action("case_remind")
    async def on_remind(ack: Any, body: dict[str, Any], action: dict[str, Any], client: AsyncWebClient) -> None:
        await ack()
        await open_modal(body, client, await run(flows.remind_modal, case_id=action["value"]))

    @app.action("case_wrong")
    async def on_wrong(ack: Any, body: dict[str, Any], action: dict[str, Any], client: AsyncWebClient) -> None:
        await ack()
        await open_modal(body, client, await run(flows.wrong_modal, case_id=action["value"]))

    @app.view(modals.REPLY)
    async def on_reply_saved(ack: Any, body: dict[str, Any], view: dict[str, Any], client: AsyncWebClient) -> None:
        text, send = modals.reply_answer(view)
        if not text:
            await ack(response_action="errors", errors={"reply_text": "Write a reply first."})
            return
        await ack()
        actor, _ = await people.actor(body["user"], client)
        await run(flows.reply, view_id=view["id"], case_id=view["private_metadata"], text=text, send=send, actor=actor)

    @app.view(modals.REMIND)
    async def on_remind_saved(ack: Any, body: dict[str, Any], view: dict[str, Any], client: AsyncWebClient) -> None:
        text, channels = modals.remind_answer(view)
        if not text or not channels:
            block = "remind_text" if not text else "remind_channels"
            await ack(response_action="errors", errors={block: "Needed to send the reminder."})
            return
        await ack()
        actor, _ = await people.actor(body["user"], client)
        await run(
            flows.remind,
            view_id=view["id"],
            case_id=view["private_metadata"],
            text=text,
            channels=channels,
            actor=actor,
        )

    @app.view(modals.WRONG)
    async def on_wrong_saved(ack: Any, body: dict[str, Any], view: dict[str, Any], client: AsyncWebClient) -> None:
        corrections = modals.wrong_answer(view)
        if not corrections:
            await ack(response_action="errors", errors={"sentiment": "Choose at least one correction."})
            return
        await ack()
        actor, _ = await people.actor(body["user"], client)
        await run(
            flows.feedback, view_id=view["id"], case_id=view["private_metadata"], corrections=corrections, actor=actor
        )

    @app.command("/complaints")
    async def on_complaints(ack: Any, command: dict[str, Any]) -> None:
        blocks = await asyncio.to_thread(flows.summary, user_id=command["user_id"])
        await ack(text="Complaints queue", blocks=blocks, response_type="ephemeral")

    @app.event("app_home_opened")
    async def on_home(event: dict[str, Any], client: AsyncWebClient) -> None:
        if event.get("tab", "home") != "home":
            return
        blocks = await asyncio.to_thread(flows.summary, user_id=event["user"])
        await client.views_publish(user_id=event["user"], view={"type": "home", "blocks": blocks})

    # Registered last: anything else is answered 200 (Bolt would say 404, and Slack would retry and, in time,
    # disable the event subscription).
    @app.event(ANY)
    async def on_other_event() -> None:
        return None

    @app.action(ANY)
    async def on_other_action(ack: Any) -> None:
        await ack()

    @app.view(ANY)
    async def on_other_view(ack: Any) -> None:
        await ack()

    @app.error
    async def on_error(error: Exception, body: dict[str, Any]) -> None:
        log.error("slack listener failed: %s (%s)", type(error).__name__, body.get("type"))
