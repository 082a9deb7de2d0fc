"""Re-pings: a card whose case nobody acknowledged within the playbook's target is pinged again in its thread,
each time to the next person or group of the category's chain. The level reached is stored on the card, in
the same transaction as the ping, so a restart or a second replica never pings twice."""

from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session

from bot.cases import timeline
from bot.clock import as_utc
from bot.enums import CaseStatus
from bot.escalation import cards
from bot.models import Case, SlackCard

LOOKBACK = timedelta(days=7)


def due_level(case: Case, now: datetime) -> int:
    """1 at the ack deadline, 2 one target later, and so on; 0 before the deadline."""
    if case.ack_due_at is None or now < case.ack_due_at:
        return 0
    window = max(case.ack_due_at - _clock_start(case), timedelta(minutes=1))
    return 1 + int((now - case.ack_due_at) / window)


def _clock_start(case: Case) -> datetime:
    """When its targets started: the post's time, or its arrival for a case that arrived late."""
    return as_utc(case.received_at) if case.late_minutes is not None else case.created_at


def target_for(card: SlackCard, level: int) -> str | None:
    chain = list(card.chain or [])
    if chain:
        return str(chain[min(level, len(chain)) - 1])
    return card.mention


def tick(session: Session, *, now: datetime, limit: int = 200) -> int:
    """Ping every card that is due; returns how many pings were queued."""
    rows = session.execute(
        sa.select(SlackCard.id)
        .join(Case, Case.id == SlackCard.root_case_id)
        .where(
            Case.acked_at.is_(None),
            Case.status != CaseStatus.RESOLVED,
            Case.ack_due_at <= now,
            Case.ack_due_at >= now - LOOKBACK,
            sa.or_(Case.snoozed_until.is_(None), Case.snoozed_until <= now),
        )
        .order_by(Case.ack_due_at)
        .limit(limit)
    ).scalars()
    pinged = 0
    for card_id in list(rows):
        card = session.get(SlackCard, card_id, with_for_update=True)
        case = session.get(Case, card.root_case_id) if card else None
        if card is None or case is None or case.acked_at is not None:
            continue
        levels = max(len(card.chain or []), 1)
        level = min(due_level(case, now), levels)
        if level <= card.reping_level:
            continue
        card.reping_level = level
        to = target_for(card, level)
        late = int((now - _clock_start(case)).total_seconds() // 60)
        data = {"level": level, "to": to, "due_at": case.ack_due_at.isoformat() if case.ack_due_at else None}
        timeline.record(session, case_id=case.id, type="sla_breached", at=now, actor="rrbot", data=data)
        payload = {"reping": {"level": level, "to": to, "minutes": late, "last": level >= levels}}
        cards.post_in_thread(session, card=card, key=f"reping:{level}", payload=payload, now=now)
        pinged += 1
    return pinged
