"""The classification worker: claims waiting cases from the database, classifies them in batches,
applies the playbook decision and writes the classification, timeline and escalation (outbox) rows.

Claims are leases (`claimed_by`, `claimed_until`): a crashed worker's cases are picked up again when the
lease runs out, and results are written only by the lease holder for a case not yet classified, so each
case gets exactly one `classified` event.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, cast

import sqlalchemy as sa
from sqlalchemy.orm import Session, sessionmaker

from bot.clock import Clock
from bot.db import transaction
from bot.models import URGENCY_RANK, Case, CaseClassification, Outbox, TimelineEvent, UTCDateTime, table_of
from bot.services.polling import PollingWorker
from classifiers import Classification, ModelScores, UrgencyContext
from playbooks.triage import Decision, Triage, TriageInput

log = logging.getLogger(__name__)
MAX_ATTEMPTS = 5
TIER_KEYS = ("tier",)


@dataclass(frozen=True)
class Claimed:
    id: str
    text: str
    source: str
    kind: str
    person: dict[str, Any]
    author_key: str | None
    created_at: datetime
    subject: str | None


def claim(session: Session, *, owner: str, limit: int, now: datetime, lease: timedelta) -> list[Claimed]:
    stmt = (
        sa.select(Case.id)
        .where(
            Case.classified_at.is_(None),
            Case.attempts < MAX_ATTEMPTS,
            sa.or_(Case.claimed_until.is_(None), Case.claimed_until < now),
        )
        .order_by(Case.received_at)
        .limit(limit)
    )
    if session.get_bind().dialect.name == "postgresql":
        stmt = stmt.with_for_update(skip_locked=True)
    ids = list(session.execute(stmt).scalars())
    if not ids:
        return []
    session.execute(
        sa.update(Case)
        .where(Case.id.in_(ids))
        .values(claimed_by=owner, claimed_until=now + lease, attempts=Case.attempts + 1)
    )
    rows = session.execute(
        sa.select(
            Case.id, Case.text, Case.source, Case.kind, Case.person, Case.author_key, Case.created_at, Case.subject
        )
        .where(Case.id.in_(ids))
        .order_by(Case.received_at)
    )
    return [Claimed(*row) for row in rows]


def release_all_claims(session: Session) -> int:
    """SQLite runs one worker process: claims left by a killed predecessor can be released at start."""
    result = session.execute(
        sa.update(Case)
        .where(Case.classified_at.is_(None), Case.claimed_by.is_not(None))
        .values(claimed_by=None, claimed_until=None)
    )
    return cast(sa.CursorResult[Any], result).rowcount


def repeat_counts(session: Session, cases: list[Claimed], window: timedelta) -> dict[str, int]:
    """For each case: earlier cases by the same author within the window.

    One index range count per case (on author_key, created_at), all in one UNION ALL round trip, so a
    prolific author costs no more than a quiet one.
    """
    counts: dict[str, int] = {}
    keyed = [c for c in cases if c.author_key]
    for start in range(0, len(keyed), 200):  # SQLite allows 500 terms in a compound select
        selects = [
            sa.select(sa.literal(c.id).label("case_id"), sa.func.count().label("n"))
            .select_from(Case)
            .where(
                Case.author_key == c.author_key,
                Case.created_at >= c.created_at - window,
                Case.created_at < c.created_at,
            )
            for c in keyed[start : start + 200]
        ]
        query = selects[0] if len(selects) == 1 else sa.union_all(*selects)
        counts.update({case_id: int(n) for case_id, n in session.execute(query)})
    return counts


def context_for(case: Claimed, repeats: int, now: datetime) -> UrgencyContext:
    person = case.person or {}
    return UrgencyContext(
        followers=person.get("followers"),
        verified=bool(person.get("verified")),
        customer_tier=person.get("tier"),
        repeat_contacts=repeats,
        waited_minutes=max(0.0, (now - case.created_at).total_seconds() / 60),
    )


def model_text(case: Claimed) -> str:
    return f"{case.subject}. {case.text}" if case.subject else case.text


def write_results(
    session: Session,
    *,
    outcomes: list[tuple[Claimed, Classification, Decision]],
    owner: str,
    model_version: str,
    now: datetime,
) -> int:
    """Store a batch's outcomes for the cases this worker still holds; returns how many were stored.

    Bulk statements (one executemany each) keep the write lock short: ingest shares it on SQLite.
    """
    ids = [case.id for case, _, _ in outcomes]
    held = sa.select(Case.id).where(Case.id.in_(ids), Case.claimed_by == owner, Case.classified_at.is_(None))
    if session.get_bind().dialect.name == "postgresql":
        held = held.with_for_update()
    mine = set(session.execute(held).scalars())
    rows = [o for o in outcomes if o[0].id in mine]
    if not rows:
        return 0
    cases, classifications, events = table_of(Case), table_of(CaseClassification), table_of(TimelineEvent)
    updates, stored, timeline = [], [], []
    for case, result, decision in rows:
        category_id = decision.category.id if decision.category else None
        updates.append(
            {
                "b_id": case.id,
                "b_rank": URGENCY_RANK[result.urgency.level],
                "b_category": category_id,
                "b_playbook": decision.playbook,
                "b_due": case.created_at + timedelta(minutes=decision.targets.ack_minutes),
            }
        )
        data = result.to_dict()
        if decision.category:
            data["category"]["label"] = decision.category.name
        stored.append(
            {
                "case_id": case.id,
                "model_version": model_version,
                "sentiment": result.sentiment_label,
                "is_complaint": result.is_complaint,
                "urgency": result.urgency.level,
                "urgency_score": result.urgency.score,
                "category": category_id,
                "category_score": result.category.score,
                "data": data,
                "created_at": now,
            }
        )
        timeline.append(
            {
                "case_id": case.id,
                "type": "classified",
                "at": now,
                "actor": "model",
                "data": {
                    "urgency": result.urgency.level,
                    "category": category_id,
                    "model": model_version,
                    "risks": [r.to_dict() for r in result.risks],
                },
            }
        )
        if decision.escalate:
            timeline.append(
                {
                    "case_id": case.id,
                    "type": "escalated",
                    "at": now,
                    "actor": "rrbot",
                    "data": {
                        "channel": decision.channel,
                        "level": result.urgency.level,
                        "reasons": result.urgency.reasons,
                        "risk": decision.risk.value if decision.risk else None,
                    },
                }
            )
            session.add(
                Outbox(
                    case_id=case.id,
                    kind="escalation",
                    channel=decision.channel,
                    dedupe_key=f"escalation:{case.id}",
                    payload={
                        "mention": decision.mention,
                        "chain": list(decision.chain),
                        "playbook": decision.playbook,
                        "risk": decision.risk.value if decision.risk else None,
                    },
                    status="pending",
                    next_attempt_at=now,
                    created_at=now,
                )
            )
            log.info(
                "escalation pending: case %s (%s, %s) -> %s",
                case.id,
                result.urgency.level,
                category_id or "no category",
                decision.channel or "no channel configured",
                extra={"case_id": case.id},
            )
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
        ),
        updates,
    )
    session.execute(sa.insert(classifications), stored)
    session.execute(sa.insert(events), timeline)
    return len(rows)


class ClassificationWorker(PollingWorker):
    """A thread that drains waiting cases; `wake()` after an ingest makes it start at once."""

    thread_name = "rrbot-classifier"

    def __init__(
        self,
        *,
        session_factory: sessionmaker[Session],
        predict: Callable[[list[str]], list[ModelScores]],
        triage: Triage,
        clock: Clock,
        owner: str,
        model_version: str,
        batch_size: int = 64,
        poll_seconds: float = 0.5,
        lease_seconds: int = 120,
        repeat_window_hours: int = 24,
    ) -> None:
        self.session_factory, self.predict, self.triage, self.clock = session_factory, predict, triage, clock
        self.owner, self.model_version, self.batch_size = owner, model_version, batch_size
        super().__init__(poll_seconds=poll_seconds)
        self.lease = timedelta(seconds=lease_seconds)
        self.window = timedelta(hours=repeat_window_hours)

    def run_once(self) -> int:
        """Claim, classify and store one batch; returns how many cases were finished."""
        with transaction(self.session_factory) as session:
            cases = claim(session, owner=self.owner, limit=self.batch_size, now=self.clock.now(), lease=self.lease)
            repeats = repeat_counts(session, cases, self.window) if cases else {}
        if not cases:
            return 0
        now = self.clock.now()
        items = [TriageInput(model_text(c), c.source, context_for(c, repeats.get(c.id, 0), now)) for c in cases]
        scores = self.predict([i.text for i in items])
        outcomes = self.triage.decide(items, scores)
        with transaction(self.session_factory) as session:
            return write_results(
                session,
                outcomes=[(case, result, decision) for case, (result, decision) in zip(cases, outcomes, strict=True)],
                owner=self.owner,
                model_version=self.model_version,
                now=self.clock.now(),
            )
