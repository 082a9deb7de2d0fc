"""The outbox dispatcher: delivers side effects written in the same transaction as the state change.

A deliverer per `kind` (Slack escalation card, reply to X, ...) is registered by the app factory. Kinds
with no deliverer stay `pending` (visible in the API) until one is configured. Failures retry with
exponential backoff, `RetryLater` honours a platform's Retry-After, and after `max_attempts` the row is
`failed`, never silently dropped.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any, Protocol, cast

import sqlalchemy as sa
from sqlalchemy.orm import Session, sessionmaker

from bot.clock import Clock
from bot.db import transaction
from bot.models import Outbox
from bot.services.polling import PollingWorker

log = logging.getLogger(__name__)


class RetryLater(Exception):
    def __init__(self, reason: str, after_seconds: float | None = None) -> None:
        super().__init__(reason)
        self.reason, self.after_seconds = reason, after_seconds


class DeliveryFailed(Exception):
    """Permanent: retrying cannot help (e.g. channel_not_found)."""


class Deliverer(Protocol):
    def deliver(self, row: Outbox) -> dict[str, Any]: ...

    def on_delivered(self, session: Session, row: Outbox, now: datetime) -> None: ...


def backoff(attempts: int) -> float:
    return float(min(2 ** max(attempts - 1, 0), 300))


def claim_due(
    session: Session, *, kinds: list[str], owner: str, now: datetime, limit: int, lease: timedelta
) -> list[Outbox]:
    stmt = (
        sa.select(Outbox)
        .where(
            Outbox.status == "pending",
            Outbox.kind.in_(kinds),
            Outbox.next_attempt_at <= now,
            sa.or_(Outbox.claimed_until.is_(None), Outbox.claimed_until < now),
        )
        .order_by(Outbox.next_attempt_at, Outbox.id)
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
        .where(Outbox.status == "pending", Outbox.claimed_by.is_not(None))
        .values(claimed_by=None, claimed_until=None)
    )
    return cast(sa.CursorResult[Any], result).rowcount


class OutboxDispatcher(PollingWorker):
    thread_name = "rrbot-outbox"

    def __init__(
        self,
        *,
        session_factory: sessionmaker[Session],
        deliverers: Mapping[str, Deliverer],
        clock: Clock,
        owner: str,
        poll_seconds: float = 0.5,
        max_attempts: int = 8,
        lease_seconds: int = 60,
    ) -> None:
        self.session_factory, self.deliverers, self.clock, self.owner = session_factory, dict(deliverers), clock, owner
        super().__init__(poll_seconds=poll_seconds)
        self.max_attempts, self.lease = max_attempts, timedelta(seconds=lease_seconds)

    def run_once(self, limit: int = 20) -> int:
        if not self.deliverers:
            return 0
        with transaction(self.session_factory) as session:
            rows = claim_due(
                session,
                kinds=list(self.deliverers),
                owner=self.owner,
                now=self.clock.now(),
                limit=limit,
                lease=self.lease,
            )
            session.flush()  # persist the claims before detaching the rows
            session.expunge_all()
        for row in rows:
            self._deliver(row)
        return len(rows)

    def _deliver(self, row: Outbox) -> None:
        deliverer = self.deliverers[row.kind]
        status, result, error, retry_at = "posted", None, None, None
        try:
            result = deliverer.deliver(row)
        except RetryLater as exc:
            error = exc.reason
            delay = exc.after_seconds if exc.after_seconds is not None else backoff(row.attempts + 1)
            retry_at = self.clock.now() + timedelta(seconds=delay)
            status = "failed" if row.attempts + 1 >= self.max_attempts else "pending"
        except DeliveryFailed as exc:
            status, error = "failed", str(exc)
        with transaction(self.session_factory) as session:
            now = self.clock.now()
            current = session.get(Outbox, row.id, with_for_update=True)
            if current is None or current.claimed_by != self.owner:
                return
            current.attempts += 1
            current.claimed_by = current.claimed_until = None
            current.status = status
            current.last_error = error[:1000] if error else None
            if status == "posted":
                current.result, current.delivered_at = result, now
                deliverer.on_delivered(session, current, now)
            elif status == "pending" and retry_at:
                current.next_attempt_at = retry_at
            if status == "failed":
                log.error("outbox %s (%s) failed after %d attempts: %s", row.id, row.kind, current.attempts, error)
