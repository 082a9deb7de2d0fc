"""Cases waiting for classification, claimed as leases (`claimed_by`, `claimed_until`): a crashed worker's cases
are picked up again when the lease runs out. Also what the triage needs to know about each claimed case."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, cast

import sqlalchemy as sa
from sqlalchemy.orm import Session

from bot.models import Case
from classifiers import UrgencyContext

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
    received_at: datetime


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
            Case.id,
            Case.text,
            Case.source,
            Case.kind,
            Case.person,
            Case.author_key,
            Case.created_at,
            Case.subject,
            Case.received_at,
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
