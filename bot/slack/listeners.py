"""Bolt listeners: ack at once, then hand the work to `Flows` in a thread. Nothing here touches the database.

Each listener is a named method of `Listeners`; `register` wires them. A flow that refuses (a case that no
longer exists, a reminder with no channel) or fails tells the person who clicked why, in a message only they
see, and is logged: nothing fails silently.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Awaitable, Callable
from typing import Any

from pydantic import ValidationError
from slack_bolt.async_app import AsyncApp
from slack_bolt.response import BoltResponse
from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.web.async_client import AsyncWebClient

from bot.errors import RRBotError
from bot.measure.prometheus import Metrics
from bot.schemas import FeedbackIn
from bot.slack import modals
from bot.slack.flows import Flows
from bot.slack.text import escape

log = logging.getLogger(__name__)
ANY = re.compile(".*")
SLACK_ERRORS = (SlackApiError, SlackClientError, OSError)
Ack = Callable[..., Awaitable[Any]]
Body = dict[str, Any]


def explain_first(exc: ValidationError) -> str:
    error = exc.errors()[0]
    return f"{'.'.join(str(p) for p in error['loc'])}: {error['msg']}"[:150]


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
            except SLACK_ERRORS as exc:
                log.warning("users.info failed for %s: %s", uid, type(exc).__name__)
            await asyncio.to_thread(self.flows.remember, uid, name)
        self._names[uid] = name
        return f"slack:{uid} ({name})", name


async def tell(client: AsyncWebClient, body: Body, text: str) -> None:
    """A message only the person who acted sees: ephemeral in the card's channel, else a direct message."""
    user = body["user"]["id"]
    channel = (body.get("channel") or {}).get("id") or (body.get("container") or {}).get("channel_id")
    try:
        if channel:
            await client.chat_postEphemeral(channel=channel, user=user, text=text)
        else:
            await client.chat_postMessage(channel=user, text=text)
    except SLACK_ERRORS as exc:
        log.warning("could not tell %s why their action failed: %s", user, type(exc).__name__)


class Listeners:
    def __init__(self, flows: Flows, metrics: Metrics) -> None:
        self.flows, self.people, self.metrics = flows, People(flows), metrics

    async def perform(self, client: AsyncWebClient, body: Body, fn: Callable[..., Any], **kwargs: Any) -> Any:
        """Run a flow in a thread; on a refusal or a failure tell the person why, log it, and return None."""
        what, outcome, result = getattr(fn, "__name__", "action"), "ok", None
        try:
            result = await asyncio.to_thread(fn, **kwargs)
        except RRBotError as exc:
            outcome = "refused"
            log.warning("slack %s refused: %s", what, exc.message)
            await tell(client, body, f":warning: That did not work: {escape(exc.message)}")
        except Exception:
            outcome = "failed"
            log.exception("slack %s failed", what)
            await tell(client, body, ":warning: That did not work because of an error on our side; it has been logged.")
        self.metrics.slack_actions.labels(action=what, outcome=outcome).inc()
        return result

    async def deduplicate_events(self, body: Body, next: Callable[[], Awaitable[None]]) -> BoltResponse | None:
        """Events API retries and double deliveries carry the same event_id: handle it once, answer 200."""
        event_id = body.get("event_id") if body.get("type") == "event_callback" else None
        if event_id and not await asyncio.to_thread(self.flows.first_time, f"event:{event_id}"):
            return BoltResponse(status=200, body="")
        await next()
        return None

    # -- card buttons -------------------------------------------------------------------------------------------
    async def case_button(self, ack: Ack, body: Body, action: Body, client: AsyncWebClient) -> None:
        """Acknowledge, Resolve and Snooze: one flow each, named by the button's action_id."""
        await ack()
        flow = {"case_ack": self.flows.ack, "case_resolve": self.flows.resolve, "case_snooze": self.flows.snooze}
        actor, _ = await self.people.actor(body["user"], client)
        await self.perform(client, body, flow[action["action_id"]], case_id=action["value"], actor=actor)

    async def reminder_got_it(self, ack: Ack, body: Body, action: Body, client: AsyncWebClient) -> None:
        await ack()
        actor, name = await self.people.actor(body["user"], client)
        reminder_id = int(action["value"])
        await self.perform(
            client, body, self.flows.got_it, reminder_id=reminder_id, user_id=body["user"]["id"], name=name, actor=actor
        )

    async def open_modal(self, ack: Ack, body: Body, action: Body, client: AsyncWebClient) -> None:
        """Reply (with a suggestion's index), Send team reminder and Wrong?: each opens its modal."""
        await ack()
        case_id, _, index = action["value"].partition(":")
        if action["action_id"] == "case_remind":
            view = await self.perform(client, body, self.flows.remind_modal, case_id=case_id)
        elif action["action_id"] == "case_wrong":
            view = await self.perform(client, body, self.flows.wrong_modal, case_id=case_id)
        else:
            view = await self.perform(client, body, self.flows.reply_modal, case_id=case_id, index=int(index or 0))
        if view is not None:
            try:
                await client.views_open(trigger_id=body["trigger_id"], view=view)
            except SLACK_ERRORS as exc:
                log.warning("views.open failed: %s", type(exc).__name__)
                await tell(client, body, ":warning: Slack did not open the form; please click again.")

    # -- modal submissions --------------------------------------------------------------------------------------
    async def reply_saved(self, ack: Ack, body: Body, view: Body, client: AsyncWebClient) -> None:
        text, send = modals.reply_answer(view)
        if not text:
            await ack(response_action="errors", errors={"reply_text": "Write a reply first."})
            return
        await ack()
        actor, _ = await self.people.actor(body["user"], client)
        case_id = view["private_metadata"]
        await self.perform(
            client, body, self.flows.reply, view_id=view["id"], case_id=case_id, text=text, send=send, actor=actor
        )

    async def remind_saved(self, ack: Ack, body: Body, view: Body, client: AsyncWebClient) -> None:
        text, channels = modals.remind_answer(view)
        if not text or not channels:
            block = "remind_text" if not text else "remind_channels"
            await ack(response_action="errors", errors={block: "Needed to send the reminder."})
            return
        await ack()
        actor, _ = await self.people.actor(body["user"], client)
        await self.perform(
            client,
            body,
            self.flows.remind,
            view_id=view["id"],
            case_id=view["private_metadata"],
            text=text,
            channels=channels,
            actor=actor,
        )

    async def wrong_saved(self, ack: Ack, body: Body, view: Body, client: AsyncWebClient) -> None:
        corrections = modals.wrong_answer(view)
        if not corrections:
            await ack(response_action="errors", errors={"sentiment": "Choose at least one correction."})
            return
        try:  # the same rules as the API's and the web page's corrections
            corrections = FeedbackIn.model_validate(corrections).model_dump(exclude_none=True, mode="json")
        except ValidationError as exc:
            await ack(response_action="errors", errors={"sentiment": explain_first(exc)})
            return
        await ack()
        actor, _ = await self.people.actor(body["user"], client)
        case_id = view["private_metadata"]
        await self.perform(
            client, body, self.flows.feedback, view_id=view["id"], case_id=case_id, corrections=corrections, actor=actor
        )

    # -- the queue at a glance ----------------------------------------------------------------------------------
    async def complaints_command(self, ack: Ack, command: Body) -> None:
        blocks = await asyncio.to_thread(self.flows.summary, user_id=command["user_id"])
        await ack(text="Complaints queue", blocks=blocks, response_type="ephemeral")

    async def home_opened(self, event: Body, client: AsyncWebClient) -> None:
        if event.get("tab", "home") != "home":
            return
        blocks = await asyncio.to_thread(self.flows.summary, user_id=event["user"])
        await client.views_publish(user_id=event["user"], view={"type": "home", "blocks": blocks})

    # -- everything else ----------------------------------------------------------------------------------------
    async def ignore_event(self) -> None:
        return None

    async def ack_only(self, ack: Ack) -> None:
        await ack()

    async def on_error(self, error: Exception, body: Body) -> None:
        log.error("slack listener failed: %s (%s)", type(error).__name__, body.get("type"))


def register(app: AsyncApp, flows: Flows, metrics: Metrics) -> None:
    listeners = Listeners(flows, metrics)
    app.middleware(listeners.deduplicate_events)
    for action_id in ("case_ack", "case_resolve", "case_snooze"):
        app.action(action_id)(listeners.case_button)
    app.action("reminder_got_it")(listeners.reminder_got_it)
    app.action(re.compile(r"^(case_reply(_\d)?|case_remind|case_wrong)$"))(listeners.open_modal)
    app.view(modals.REPLY)(listeners.reply_saved)
    app.view(modals.REMIND)(listeners.remind_saved)
    app.view(modals.WRONG)(listeners.wrong_saved)
    app.command("/complaints")(listeners.complaints_command)
    app.event("app_home_opened")(listeners.home_opened)
    # Registered last: anything else is answered 200 (Bolt would say 404, and Slack would retry and, in time,
    # disable the event subscription).
    app.event(ANY)(listeners.ignore_event)
    app.action(ANY)(listeners.ack_only)
    app.view(ANY)(listeners.ack_only)
    app.error(listeners.on_error)
