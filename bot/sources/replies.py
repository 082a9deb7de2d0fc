"""Replies to the customer, where they wrote: one outbox deliverer for every source, one `Replier` per connector.

A reply row's `channel` is the case's source. With no replier for it configured, the row waits (status
`waiting`, `waiting_for` = the source) and the case's timeline and Slack thread say so; once a replier for that
source is configured, the dispatcher picks the row up.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy.orm import Session

from bot.cases import timeline
from bot.enums import DeliveryCode, OutboxKind
from bot.models import Outbox
from bot.outbox.errors import DeliveryFailed, NoConnector

HOW_TO_CONFIGURE = {
    "x": "set X_API_KEY, X_API_SECRET, X_ACCESS_TOKEN and X_ACCESS_TOKEN_SECRET",
    "zendesk": "set RRBOT_ZENDESK_URL, RRBOT_ZENDESK_EMAIL and RRBOT_ZENDESK_API_TOKEN",
    "freshdesk": "set RRBOT_FRESHDESK_URL and RRBOT_FRESHDESK_API_KEY",
}


REPLY_LIMITS = {"x": 280}  # characters a reply may have where the customer wrote


def reply_problem(source: str, text: str) -> str | None:
    """Why `source` would refuse this reply, or None (checked when the reply is written, not when it is sent)."""
    limit = REPLY_LIMITS.get(source)
    if limit is not None and len(text) > limit:
        return f"a reply on {source} has at most {limit} characters (this one has {len(text)})"
    return None


class Replier(Protocol):
    """Posts one reply to a source's customer; raises `bot.outbox.errors.DeliveryError` when it cannot."""

    def post_reply(self, row: Outbox) -> dict[str, Any]: ...


class ReplyDeliverer:
    kinds = frozenset({OutboxKind.REPLY})

    def __init__(self, repliers: Mapping[str, Replier] | None = None) -> None:
        self.repliers = dict(repliers or {})

    def connectors(self) -> frozenset[str]:
        return frozenset(self.repliers)

    def deliver(self, row: Outbox) -> dict[str, Any]:
        source = row.channel
        if not source:
            raise DeliveryFailed("the case has no source to reply to", code=DeliveryCode.MISCONFIGURED)
        replier = self.repliers.get(source)
        if replier is None:
            how = HOW_TO_CONFIGURE.get(source, f"no connector for {source!r} exists yet")
            raise NoConnector(source, f"no {source} connector is configured to post replies ({how})")
        return replier.post_reply(row)

    def on_delivered(self, session: Session, row: Outbox, now: datetime) -> None:
        if row.case_id:
            data = {"source": row.channel, **(row.result or {})}
            timeline.record(session, case_id=row.case_id, type="reply_posted", at=now, actor="rrbot", data=data)
