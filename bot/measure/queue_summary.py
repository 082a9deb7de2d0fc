"""The queue at a glance, for one person: open cases by urgency, the oldest waiting, and their own cases."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from bot.enums import OPEN_STATUSES, urgency_label
from bot.models import Case, TimelineEvent


@dataclass(frozen=True)
class Line:
    id: str
    urgency: str
    status: str
    text: str
    created_at: datetime
    source: str


@dataclass(frozen=True)
class Summary:
    open_by_urgency: dict[str, int]
    oldest_waiting: list[Line]
    mine: list[Line]


def _line(case: Case) -> Line:
    return Line(
        case.id,
        urgency_label(case.urgency_rank),
        case.status,
        case.text,
        case.created_at,
        case.source,
    )


def summary(session: Session, *, actor_prefix: str, limit: int = 5) -> Summary:
    """`actor_prefix` is how this person appears in the timeline, e.g. ``slack:U123``."""
    counts = session.execute(
        sa.select(Case.urgency_rank, sa.func.count()).where(Case.status.in_(OPEN_STATUSES)).group_by(Case.urgency_rank)
    )
    by_urgency = {urgency_label(rank): int(n) for rank, n in counts}
    oldest = (
        session.execute(
            sa.select(Case)
            .where(Case.status == "new", Case.urgency_rank > 0)
            .order_by(Case.urgency_rank.desc(), Case.created_at)
            .limit(limit)
        )
        .unique()
        .scalars()
    )
    mine_ids = sa.select(TimelineEvent.case_id).where(
        TimelineEvent.type.in_(("acked", "replied")),
        sa.or_(TimelineEvent.actor == actor_prefix, TimelineEvent.actor.like(f"{actor_prefix} (%")),
    )
    mine = (
        session.execute(
            sa.select(Case)
            .where(Case.id.in_(mine_ids), Case.status.in_(OPEN_STATUSES))
            .order_by(Case.urgency_rank.desc(), Case.created_at)
            .limit(limit)
        )
        .unique()
        .scalars()
    )
    return Summary(by_urgency, [_line(c) for c in oldest], [_line(c) for c in mine])
