"""Outbox deliverers for Slack: the escalation card (or its flood theme), card updates, thread posts, team
reminders and the digest. Runs in the dispatcher's thread with the sync WebClient; messages are rendered from
the database at delivery time, so a delayed message is never stale."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from slack_sdk import WebClient
from sqlalchemy.orm import Session, sessionmaker

from bot.actions.suggestions import case_ref
from bot.clock import Clock
from bot.db import transaction
from bot.enums import SLACK_KINDS, DeliveryCode, OutboxKind
from bot.escalation import card_view, cards, floods
from bot.models import Case, Outbox, SlackCard, SlackCardCase, SlackReminder
from bot.outbox.errors import Deferred, DeliveryFailed
from bot.settings import Settings
from bot.slack.card_blocks import card_blocks, fallback_text
from bot.slack.client import call, web_client
from bot.slack.messages import digest_blocks, reminder_blocks, reping_text, thread_text
from bot.slack.pacing import ChannelPacer
from bot.slack.text import escape
from playbooks.schema import Playbook

log = logging.getLogger(__name__)


class SlackDeliverer:
    kinds = frozenset(SLACK_KINDS)

    def __init__(
        self,
        *,
        settings: Settings,
        session_factory: sessionmaker[Session],
        playbooks: Mapping[str, Playbook],
        clock: Clock,
        client: WebClient | None = None,
        pacer: ChannelPacer | None = None,
    ) -> None:
        self.settings, self.session_factory, self.playbooks, self.clock = settings, session_factory, playbooks, clock
        self.client = client or web_client(settings)
        self.pacer = pacer or ChannelPacer()
        self._handlers: dict[OutboxKind, Callable[[Outbox], dict[str, Any]]] = {
            OutboxKind.ESCALATION: self._deliver_escalation,
            OutboxKind.SLACK_UPDATE: self._deliver_slack_update,
            OutboxKind.SLACK_THREAD: self._deliver_slack_thread,
            OutboxKind.SLACK_REMINDER: self._deliver_slack_reminder,
            OutboxKind.SLACK_DIGEST: self._deliver_slack_digest,
            OutboxKind.SLACK_NOTICE: self._deliver_slack_notice,
        }

    # -- the Deliverer protocol ---------------------------------------------------------------------------------
    def connectors(self) -> frozenset[str]:
        return frozenset({"slack"})

    def deliver(self, row: Outbox) -> dict[str, Any]:
        return self._handlers[OutboxKind(row.kind)](row)

    def on_delivered(self, session: Session, row: Outbox, now: datetime) -> None:
        if row.kind != OutboxKind.ESCALATION or not row.case_id or not row.result:
            return
        result = dict(row.result)
        new_card = None
        if "card_id" not in result:
            case = session.get(Case, row.case_id)
            if case is None:
                return
            new_card = cards.create(
                session,
                case=case,
                channel=result["channel"],
                ts=result["ts"],
                mention=row.payload.get("mention"),
                chain=row.payload.get("chain") or [],
                now=now,
            )
            result["card_id"] = new_card.id
            row.result = result
        cards.record_notified(session, case_id=row.case_id, channel=result["channel"], ts=result["ts"], now=now)
        if new_card is not None:
            session.flush()
            new_card.synced_event_id = cards.max_event_id(session, [row.case_id])

    # -- kinds --------------------------------------------------------------------------------------------------
    def _slot(self, key: str) -> None:
        """Take the slot now or defer the row to it: a busy channel never blocks the dispatcher."""
        delay = self.pacer.try_reserve(key)
        if delay > 0:
            raise Deferred(delay)

    def _post(self, channel: str, **kwargs: Any) -> dict[str, Any]:
        self._slot(channel)
        data = call(self.client.chat_postMessage, channel=channel, unfurl_links=False, unfurl_media=False, **kwargs)
        return {"channel": data.get("channel") or channel, "ts": data.get("ts")}

    def _deliver_escalation(self, row: Outbox) -> dict[str, Any]:
        channel = row.channel or self.settings.escalation_channel
        if not channel:
            raise DeliveryFailed(
                "no channel: set the category's owner.channel or RRBOT_ESCALATION_CHANNEL",
                code=DeliveryCode.MISCONFIGURED,
            )
        now = self.clock.now()
        with transaction(self.session_factory) as session:
            link = session.get(SlackCardCase, row.case_id)
            if link is not None:  # delivered before a crash, or put on a theme card: the same answer again
                card = session.get(SlackCard, link.card_id)
                assert card is not None
                return {"channel": card.channel, "ts": card.ts, "card_id": card.id}
            case = session.get(Case, row.case_id)
            if case is None:
                raise DeliveryFailed("case deleted", code=DeliveryCode.GONE)
            theme = floods.find_theme(session, case=case, channel=channel, now=now)
            if theme is not None:
                cards.attach(session, card=theme, case=case, now=now)
                log.info("case %s joins theme card %s", case.id, theme.id, extra={"case_id": case.id})
                return {"channel": theme.channel, "ts": theme.ts, "card_id": theme.id, "theme": True}
            view = card_view.build(
                session, case=case, card=None, playbooks=self.playbooks, now=now, mention=row.payload.get("mention")
            )
            blocks, text = card_blocks(view, now=now), fallback_text(view)
        return self._post(channel, text=text, blocks=blocks)

    def _deliver_slack_update(self, row: Outbox) -> dict[str, Any]:
        now = self.clock.now()
        with transaction(self.session_factory) as session:
            card = session.get(SlackCard, row.payload["card_id"])
            view = card_view.for_card(session, card_id=card.id, playbooks=self.playbooks, now=now) if card else None
            if card is None or view is None:
                raise DeliveryFailed("card not found", code=DeliveryCode.GONE)
            channel, ts = card.channel, card.ts
            blocks, text = card_blocks(view, now=now), fallback_text(view)
        self._slot(f"update:{channel}")  # chat.update has its own limit: refreshes never take a new card's slot
        call(self.client.chat_update, channel=channel, ts=ts, text=text, blocks=blocks)
        return {"channel": channel, "ts": ts}

    def _deliver_slack_thread(self, row: Outbox) -> dict[str, Any]:
        with transaction(self.session_factory) as session:
            card = session.get(SlackCard, row.payload["card_id"])
            if card is None:
                raise DeliveryFailed("card not found", code=DeliveryCode.GONE)
            channel, ts, root = card.channel, card.ts, card.root_case_id
        reping = row.payload.get("reping")
        if reping:
            return self._post(channel, thread_ts=ts, text=reping_text(reping), reply_broadcast=True)
        return self._post(channel, thread_ts=ts, text=thread_text(row.payload.get("events", []), root))

    def _deliver_slack_reminder(self, row: Outbox) -> dict[str, Any]:
        with transaction(self.session_factory) as session:
            reminder = session.get(SlackReminder, row.payload["reminder_id"])
            if reminder is None:
                raise DeliveryFailed("reminder not found", code=DeliveryCode.GONE)
            text, blocks = reminder_blocks(
                reminder_id=reminder.id, text=reminder.text, actor=reminder.actor, ref=case_ref(reminder.case_id)
            )
        if not row.channel:
            raise DeliveryFailed("no channel", code=DeliveryCode.MISCONFIGURED)
        return self._post(row.channel, text=text, blocks=blocks)

    def _deliver_slack_notice(self, row: Outbox) -> dict[str, Any]:
        if not row.channel:
            raise DeliveryFailed("no channel", code=DeliveryCode.MISCONFIGURED)
        return self._post(row.channel, text=f":rotating_light: {escape(str(row.payload.get('text', '')))}")

    def _deliver_slack_digest(self, row: Outbox) -> dict[str, Any]:
        if not row.channel:
            raise DeliveryFailed("no channel", code=DeliveryCode.MISCONFIGURED)
        text, blocks = digest_blocks(row.payload)
        return self._post(row.channel, text=text, blocks=blocks)
