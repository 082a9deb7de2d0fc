"""Store a batch of triage outcomes: the case's urgency and owner, the classification, the timeline events and,
for an escalation, its outbox row, all in one transaction.

Results are written only by the lease holder for a case not yet classified, so each case gets exactly one
`classified` event. Bulk statements (one executemany each) keep the write lock short: ingest shares it on
SQLite.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from bot.clock import as_utc
from bot.enums import OutboxKind
from bot.models import Case, CaseClassification, TimelineEvent, UTCDateTime, table_of
from bot.outbox.rows import enqueue
from bot.triage.claims import Claimed
from classifiers import Classification
from playbooks.triage import Decision

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Outcome:
    case: Claimed
    result: Classification
    decision: Decision

    @property
    def category_id(self) -> str | None:
        return self.decision.category.id if self.decision.category else None

    @property
    def late_minutes(self) -> int | None:
        """Late on arrival: it reached us after its acknowledgement target had passed (a backfill, a late webhook,
        a connector catching up). Its clock then starts at arrival: it escalates once, says it is late, and
        does not storm up the re-ping chain."""
        lateness = as_utc(self.case.received_at) - self.case.created_at
        if lateness <= timedelta(minutes=self.decision.targets.ack_minutes):
            return None
        return int(lateness.total_seconds() // 60)

    @property
    def clock_start(self) -> datetime:
        return as_utc(self.case.received_at) if self.late_minutes is not None else self.case.created_at


def still_held(session: Session, outcomes: list[Outcome], owner: str) -> list[Outcome]:
    """The outcomes whose case this worker still holds and nobody has classified yet."""
    ids = [o.case.id for o in outcomes]
    held = sa.select(Case.id).where(Case.id.in_(ids), Case.claimed_by == owner, Case.classified_at.is_(None))
    if session.get_bind().dialect.name == "postgresql":
        held = held.with_for_update()
    mine = set(session.execute(held).scalars())
    return [o for o in outcomes if o.case.id in mine]


def case_update(o: Outcome) -> dict[str, Any]:
    return {
        "b_id": o.case.id,
        "b_rank": o.result.urgency.level.rank,
        "b_category": o.category_id,
        "b_playbook": o.decision.playbook,
        "b_due": o.clock_start + timedelta(minutes=o.decision.targets.ack_minutes),
        "b_reply_due": o.clock_start + timedelta(minutes=o.decision.targets.first_reply_minutes),
        "b_resolve_due": o.clock_start + timedelta(minutes=o.decision.targets.resolve_minutes),
        "b_late": o.late_minutes,
        "b_risk": o.decision.risk.value if o.decision.risk else None,
        "b_owner": o.decision.mention or o.decision.channel or None,
    }


def classification_row(o: Outcome, *, model_version: str, now: datetime) -> dict[str, Any]:
    data = o.result.to_dict()
    if o.decision.category:
        data["category"]["label"] = o.decision.category.name
    if o.late_minutes is not None:
        data["late_on_arrival_minutes"] = o.late_minutes
    return {
        "case_id": o.case.id,
        "model_version": model_version,
        "sentiment": o.result.sentiment_label,
        "is_complaint": o.result.is_complaint,
        "urgency": o.result.urgency.level,
        "urgency_score": o.result.urgency.score,
        "category": o.category_id,
        "category_score": o.result.category.score,
        "data": data,
        "created_at": now,
    }


def classified_event(o: Outcome, *, model_version: str, now: datetime) -> dict[str, Any]:
    data = {
        "urgency": o.result.urgency.level,
        "category": o.category_id,
        "model": model_version,
        "risks": [r.to_dict() for r in o.result.risks],
    }
    return {"case_id": o.case.id, "type": "classified", "at": now, "actor": "model", "data": data}


def escalated_event(o: Outcome, *, now: datetime) -> dict[str, Any]:
    data = {
        "channel": o.decision.channel,
        "level": o.result.urgency.level,
        "reasons": o.result.urgency.reasons,
        "risk": o.decision.risk.value if o.decision.risk else None,
        "late_on_arrival_minutes": o.late_minutes,
    }
    return {"case_id": o.case.id, "type": "escalated", "at": now, "actor": "rrbot", "data": data}


def queue_escalation(session: Session, o: Outcome, *, now: datetime) -> None:
    decision = o.decision
    payload = {
        "mention": decision.mention,
        "chain": list(decision.chain),
        "playbook": decision.playbook,
        "risk": decision.risk.value if decision.risk else None,
    }
    enqueue(
        session,
        kind=OutboxKind.ESCALATION,
        key=o.case.id,
        now=now,
        case_id=o.case.id,
        channel=decision.channel,
        payload=payload,
    )
    log.info(
        "escalation pending: case %s (%s, %s) -> %s",
        o.case.id,
        o.result.urgency.level,
        o.category_id or "no category",
        decision.channel or "no channel configured",
        extra={"case_id": o.case.id},
    )


def mark_classified(session: Session, updates: list[dict[str, Any]], *, now: datetime) -> None:
    cases = table_of(Case)
    session.execute(
        sa.update(cases)
        .where(cases.c.id == sa.bindparam("b_id"))
        .values(
            classified_at=now,
            claimed_by=None,
            claimed_until=None,
            urgency_rank=sa.bindparam("b_rank"),
            category=sa.bindparam("b_category"),
            playbook=sa.bindparam("b_playbook"),
            ack_due_at=sa.bindparam("b_due", type_=UTCDateTime()),
            reply_due_at=sa.bindparam("b_reply_due", type_=UTCDateTime()),
            resolve_due_at=sa.bindparam("b_resolve_due", type_=UTCDateTime()),
            late_minutes=sa.bindparam("b_late"),
            risk=sa.bindparam("b_risk"),
            owner=sa.bindparam("b_owner"),
        ),
        updates,
    )


def write_results(session: Session, *, outcomes: list[Outcome], owner: str, model_version: str, now: datetime) -> int:
    """Store a batch's outcomes for the cases this worker still holds; returns how many were stored."""
    rows = still_held(session, outcomes, owner)
    if not rows:
        return 0
    events: list[dict[str, Any]] = []
    for o in rows:
        events.append(classified_event(o, model_version=model_version, now=now))
        if o.decision.escalate:
            events.append(escalated_event(o, now=now))
            queue_escalation(session, o, now=now)
    mark_classified(session, [case_update(o) for o in rows], now=now)
    session.execute(
        sa.insert(table_of(CaseClassification)),
        [classification_row(o, model_version=model_version, now=now) for o in rows],
    )
    session.execute(sa.insert(table_of(TimelineEvent)), events)
    return len(rows)
