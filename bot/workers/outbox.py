"""The outbox dispatcher: delivers the side effects written in the same transaction as the state change.

Each deliverer says which `OutboxKind`s it handles and which connectors it has. Every row ends one way:
`posted`; `failed`, with a typed `error_code` and a reason on the row, in the log and on the case's timeline
(which the card's thread shows); or `waiting` for a named connector that is not configured, picked up again
by a dispatcher that has it. Transient errors and unexpected bugs retry with exponential backoff (Retry-After
where the platform gives one) and fail after `max_attempts`; nothing retries forever.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol

from sqlalchemy.orm import Session, sessionmaker

from bot.cases import timeline
from bot.clock import Clock
from bot.db import transaction
from bot.enums import DeliveryCode, OutboxKind, OutboxStatus
from bot.models import Outbox
from bot.outbox.errors import Deferred, DeliveryError, NoConnector
from bot.outbox.rows import claim_due, park_unroutable
from bot.workers.polling import PollingWorker

log = logging.getLogger(__name__)
PARK_EVERY_SECONDS = 5.0
QUIET_FAILURES = (OutboxKind.SLACK_UPDATE, OutboxKind.SLACK_THREAD)  # card upkeep: logged, not on the timeline


class Deliverer(Protocol):
    """Delivers rows of `kinds`; `connectors` names what it can reach (e.g. {"slack"}, {"x", "zendesk"})."""

    kinds: frozenset[OutboxKind]

    def connectors(self) -> frozenset[str]: ...

    def deliver(self, row: Outbox) -> dict[str, Any]: ...

    def on_delivered(self, session: Session, row: Outbox, now: datetime) -> None: ...


def backoff(attempts: int) -> float:
    return float(min(2 ** max(attempts - 1, 0), 300))


@dataclass(frozen=True)
class Outcome:
    result: dict[str, Any] | None = None
    error: DeliveryError | None = None
    deferred: float | None = None  # seconds until the row's channel has a free slot


class OutboxDispatcher(PollingWorker):
    thread_name = "rrbot-outbox"

    def __init__(
        self,
        *,
        session_factory: sessionmaker[Session],
        deliverers: Sequence[Deliverer],
        clock: Clock,
        owner: str,
        poll_seconds: float = 0.5,
        max_attempts: int = 8,
        lease_seconds: int = 60,
    ) -> None:
        super().__init__(poll_seconds=poll_seconds)
        self.session_factory, self.clock, self.owner = session_factory, clock, owner
        self.max_attempts, self.lease = max_attempts, timedelta(seconds=lease_seconds)
        self.routes: dict[OutboxKind, Deliverer] = {}
        for deliverer in deliverers:
            for kind in deliverer.kinds:
                if kind in self.routes:
                    raise ValueError(f"two deliverers for outbox kind {kind}")
                self.routes[kind] = deliverer
        self.connectors = frozenset().union(*(d.connectors() for d in deliverers))
        self._parked_at = float("-inf")

    def run_once(self, limit: int = 20) -> int:
        with transaction(self.session_factory) as session:
            if time.monotonic() - self._parked_at >= PARK_EVERY_SECONDS:
                self._parked_at = time.monotonic()
                park_unroutable(session, routable=self.routes)
            if not self.routes:
                return 0
            rows = claim_due(
                session,
                kinds=self.routes,
                connectors=self.connectors,
                owner=self.owner,
                now=self.clock.now(),
                limit=limit,
                lease=self.lease,
            )
            session.flush()  # persist the claims before detaching the rows
            session.expunge_all()
        for row in rows:
            self._settle(row, self._attempt(row))
        return len(rows)

    def _attempt(self, row: Outbox) -> Outcome:
        try:
            return Outcome(result=self.routes[OutboxKind(row.kind)].deliver(row))
        except Deferred as later:
            return Outcome(deferred=later.seconds)
        except DeliveryError as exc:
            return Outcome(error=exc)
        except Exception as exc:  # a bug in a deliverer: retried with backoff, then failed, never forever
            log.exception("outbox %s (%s): deliverer raised", row.id, row.kind)
            return Outcome(error=DeliveryError(DeliveryCode.INTERNAL, f"internal error ({type(exc).__name__})"))

    def _settle(self, row: Outbox, outcome: Outcome) -> None:
        with transaction(self.session_factory) as session:
            now = self.clock.now()
            current = session.get(Outbox, row.id, with_for_update=True)
            if current is None or current.claimed_by != self.owner:
                return  # our lease ran out and another dispatcher took the row
            current.claimed_by = current.claimed_until = None
            if outcome.deferred is not None:
                current.next_attempt_at = now + timedelta(seconds=outcome.deferred)
            elif outcome.error is None:
                self._posted(session, current, outcome.result or {}, now)
            elif isinstance(outcome.error, NoConnector) and outcome.error.connector not in self.connectors:
                self._waiting(session, current, outcome.error, now)
            else:
                self._failed_attempt(session, current, outcome.error, now)

    def _posted(self, session: Session, row: Outbox, result: dict[str, Any], now: datetime) -> None:
        row.attempts += 1
        row.status, row.result, row.delivered_at = OutboxStatus.POSTED, result, now
        row.error_code = row.last_error = row.waiting_for = None
        self.routes[OutboxKind(row.kind)].on_delivered(session, row, now)

    def _waiting(self, session: Session, row: Outbox, error: NoConnector, now: datetime) -> None:
        first = row.status != OutboxStatus.WAITING
        row.status, row.waiting_for = OutboxStatus.WAITING, error.connector
        row.error_code, row.last_error = error.code, error.reason[:1000]
        if first and row.case_id:
            data = {"kind": row.kind, "connector": error.connector, "reason": error.reason}
            timeline.record(session, case_id=row.case_id, type="delivery_waiting", at=now, actor="rrbot", data=data)
        log.warning("outbox %s (%s) waits for the %s connector: %s", row.id, row.kind, error.connector, error.reason)

    def _failed_attempt(self, session: Session, row: Outbox, error: DeliveryError, now: datetime) -> None:
        row.error_code, row.last_error, row.waiting_for = error.code, error.reason[:1000], None
        if error.code is DeliveryCode.RATE_LIMITED:
            # told to wait, not refused: several dispatchers pacing one channel apart, or a busy moment, must not
            # use up an urgent card's attempts; it goes when the platform says (or after a short backoff)
            delay = error.after_seconds if error.after_seconds is not None else backoff(2)
            row.status, row.next_attempt_at = OutboxStatus.PENDING, now + timedelta(seconds=delay)
            return
        row.attempts += 1
        if error.retry and row.attempts < self.max_attempts:
            delay = error.after_seconds if error.after_seconds is not None else backoff(row.attempts)
            row.status, row.next_attempt_at = OutboxStatus.PENDING, now + timedelta(seconds=delay)
            return
        row.status = OutboxStatus.FAILED
        log.error(
            "outbox %s (%s) failed after %d attempts [%s]: %s", row.id, row.kind, row.attempts, error.code, error.reason
        )
        if row.case_id and row.kind not in QUIET_FAILURES:
            data = {"kind": row.kind, "code": error.code, "reason": error.reason, "attempts": row.attempts}
            timeline.record(session, case_id=row.case_id, type="delivery_failed", at=now, actor="rrbot", data=data)
