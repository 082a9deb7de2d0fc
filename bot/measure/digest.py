"""The daily digest for managers: yesterday's counts and response times, queued once per day."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from bot.enums import OutboxKind
from bot.measure.response_times import response_times
from bot.models import Case, Outbox, TimelineEvent
from bot.outbox import rows as outbox

SEND_AFTER = time(8, 0)  # UTC


def summary(session: Session, *, start: datetime, end: datetime, now: datetime) -> dict[str, Any]:
    def events(type_: str) -> int:
        stmt = sa.select(sa.func.count(sa.distinct(TimelineEvent.case_id))).where(
            TimelineEvent.type == type_, TimelineEvent.at >= start, TimelineEvent.at < end
        )
        return int(session.execute(stmt).scalar_one())

    received = session.execute(
        sa.select(sa.func.count()).where(Case.received_at >= start, Case.received_at < end)
    ).scalar_one()
    times = response_times(session, since=start, until=end, group_by=None, now=now)
    row = next(iter(times["groups"]), None)
    return {
        "day": start.date().isoformat(),
        "received": int(received),
        "escalated": events("escalated"),
        "acked": events("acked"),
        "replied": events("replied"),
        "resolved": events("resolved"),
        "sla_breached": events("sla_breached"),
        "reminders": events("reminder_sent"),
        "response_times": row,
    }


def enqueue(session: Session, *, channel: str | None, now: datetime) -> bool:
    """Queue yesterday's digest once (after SEND_AFTER UTC); False when there is nothing to do."""
    if not channel or now.astimezone(UTC).time() < SEND_AFTER:
        return False
    start = datetime.combine(now.astimezone(UTC).date() - timedelta(days=1), time(0), tzinfo=UTC)
    key = start.date().isoformat()
    if session.execute(
        sa.select(Outbox.id).where(Outbox.dedupe_key == outbox.dedupe_key(OutboxKind.SLACK_DIGEST, key))
    ).first():
        return False
    data = summary(session, start=start, end=start + timedelta(days=1), now=now)
    outbox.enqueue(session, kind=OutboxKind.SLACK_DIGEST, key=key, now=now, channel=channel, payload=data)
    return True
