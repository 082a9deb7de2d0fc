"""Outbox rows: the one way to queue a side effect, and the queries the dispatcher claims and recovers them with.

A row is written in the same transaction as the state change it announces, so a crash never loses one and a
rolled-back change never sends one. Its `dedupe_key` (kind + key) makes queueing the same thing twice a no-op
for the caller that checks it, and a unique-constraint error for the one that does not.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from bot.db import OUTBOX_CHANNEL, announce
from bot.enums import DeliveryCode, OutboxKind, OutboxStatus
from bot.models import Outbox

MAX_REQUEUE_AGE = timedelta(days=1)


def dedupe_key(kind: OutboxKind, key: str) -> str:
    return f"{kind}:{key}"


def enqueue(
    session: Session,
    *,
    kind: OutboxKind,
    key: str,
    now: datetime,
    case_id: str | None = None,
    channel: str | None = None,
    payload: Mapping[str, Any] | None = None,
    delay_seconds: float = 0.0,
) -> Outbox:
    """Queue one delivery of `kind`; it is sent after the surrounding transaction commits."""
    row = Outbox(
        case_id=case_id,
        kind=kind,
        channel=channel,
        payload=dict(payload or {}),
        dedupe_key=dedupe_key(kind, key),
        status=OutboxStatus.PENDING,
        attempts=0,
        next_attempt_at=now + timedelta(seconds=delay_seconds),
        created_at=now,
    )
    session.add(row)
    announce(session, OUTBOX_CHANNEL)
    return row


# What goes first when rows are due together: a new escalation's card, then what a person is waiting for
# (re-pings and thread lines, replies to customers, reminders), then scheduled posts, and card refreshes last.
PRIORITY = sa.case(
    {
        OutboxKind.ESCALATION.value: 0,
        OutboxKind.SLACK_THREAD.value: 1,
        OutboxKind.REPLY.value: 1,
        OutboxKind.SLACK_REMINDER.value: 2,
        OutboxKind.SLACK_NOTICE.value: 2,
        OutboxKind.SLACK_DIGEST.value: 3,
    },
    value=Outbox.kind,
    else_=4,
)


def claim_due(
    session: Session,
    *,
    kinds: Collection[OutboxKind],
    connectors: Collection[str],
    owner: str,
    now: datetime,
    limit: int,
    lease: timedelta,
) -> list[Outbox]:
    """Lease the next due rows of `kinds`, most pressing kind first (`PRIORITY`), then oldest: pending ones, and
    waiting ones whose connector is now configured."""
    due = sa.or_(
        Outbox.status == OutboxStatus.PENDING,
        sa.and_(Outbox.status == OutboxStatus.WAITING, Outbox.waiting_for.in_(list(connectors))),
    )
    stmt = (
        sa.select(Outbox)
        .where(
            due,
            Outbox.kind.in_(list(kinds)),
            Outbox.next_attempt_at <= now,
            sa.or_(Outbox.claimed_until.is_(None), Outbox.claimed_until < now),
        )
        .order_by(PRIORITY, Outbox.next_attempt_at, Outbox.id)
        .limit(limit)
    )
    if session.get_bind().dialect.name == "postgresql":
        stmt = stmt.with_for_update(skip_locked=True)
    rows = list(session.execute(stmt).scalars())
    for row in rows:
        row.claimed_by, row.claimed_until = owner, now + lease
    return rows


def release_claims(session: Session) -> int:
    """SQLite runs one dispatcher: rows a killed predecessor had claimed go back to the queue at start."""
    result = session.execute(
        sa.update(Outbox)
        .where(Outbox.status == OutboxStatus.PENDING, Outbox.claimed_by.is_not(None))
        .values(claimed_by=None, claimed_until=None)
    )
    return int(getattr(result, "rowcount", 0) or 0)


def park_unroutable(session: Session, *, routable: Collection[OutboxKind]) -> int:
    """Pending rows of kinds no deliverer here handles wait for their connector (Slack off: escalations wait
    for "slack"), so the API shows why they are not sent and a process that has the connector picks them up."""
    parked = 0
    for kind in OutboxKind:
        if kind in routable:
            continue
        waiting_for: Any = kind.connector if kind.connector else Outbox.channel
        result = session.execute(
            sa.update(Outbox)
            .where(Outbox.status == OutboxStatus.PENDING, Outbox.kind == kind, Outbox.claimed_by.is_(None))
            .values(
                status=OutboxStatus.WAITING,
                waiting_for=waiting_for,
                error_code=DeliveryCode.NO_CONNECTOR,
                last_error=f"no {kind.connector or 'source'} connector is configured",
            )
            .execution_options(synchronize_session=False)
        )
        parked += int(getattr(result, "rowcount", 0) or 0)
    return parked


def requeue_transient(
    session: Session, *, kinds: Collection[OutboxKind], now: datetime, max_age: timedelta = MAX_REQUEUE_AGE
) -> int:
    """After an outage: rows that ran out of retries on a transient error (platform down, 5xx, 429) go back
    to `pending`, one more attempt per pass. Permanent errors and bugs are never requeued."""
    stmt = (
        sa.update(Outbox)
        .where(
            Outbox.status == OutboxStatus.FAILED,
            Outbox.kind.in_(list(kinds)),
            Outbox.created_at >= now - max_age,
            Outbox.error_code.in_([code for code in DeliveryCode if code.transient]),
        )
        .values(status=OutboxStatus.PENDING, next_attempt_at=now, claimed_by=None, claimed_until=None)
    )
    return int(getattr(session.execute(stmt), "rowcount", 0) or 0)
