"""Keep cards current whatever changed the case (Slack, the API, the web UI, a job): new timeline events
are posted in the card's thread and the card is refreshed. A cursor per card makes each event go once."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from bot.escalation import cards
from bot.models import SlackCard, SlackCardCase, TimelineEvent

QUIET = {"received", "classified", "escalated", "notified", "sla_breached", "reminder_confirmed"}
GROUPED = {"acked", "resolved", "snoozed"}  # on a theme card one click can act on hundreds of cases
MAX_EVENTS = 20


def _changed_cards(session: Session, card_ids: Iterable[int] | None, limit: int) -> list[int]:
    stmt = (
        sa.select(SlackCard.id)
        .join(SlackCardCase, SlackCardCase.card_id == SlackCard.id)
        .join(TimelineEvent, TimelineEvent.case_id == SlackCardCase.case_id)
        .where(TimelineEvent.id > SlackCard.synced_event_id)
        .group_by(SlackCard.id)
        .limit(limit)
    )
    if card_ids is not None:
        stmt = stmt.where(SlackCard.id.in_(list(card_ids)))
    return list(session.execute(stmt).scalars())


def sync(session: Session, *, now: datetime, card_ids: Iterable[int] | None = None, limit: int = 100) -> int:
    """Queue thread posts and card updates for events not yet shown; returns how many cards changed."""
    changed = 0
    for card_id in _changed_cards(session, card_ids, limit):
        card = session.get(SlackCard, card_id, with_for_update=True)
        if card is None:
            continue
        events = list(
            session.execute(
                sa.select(TimelineEvent)
                .join(SlackCardCase, SlackCardCase.case_id == TimelineEvent.case_id)
                .where(SlackCardCase.card_id == card.id, TimelineEvent.id > card.synced_event_id)
                .order_by(TimelineEvent.id)
            ).scalars()
        )
        if not events:
            continue
        card.synced_event_id = events[-1].id
        shown = _collapse([e for e in events if e.type not in QUIET])[-MAX_EVENTS:]
        if shown:
            payload = {"events": shown}
            cards.post_in_thread(session, card=card, key=f"events:{events[-1].id}", payload=payload, now=now)
        cards.request_update(session, card=card, now=now)
        changed += 1
    return changed


def _collapse(events: list[TimelineEvent]) -> list[dict[str, Any]]:
    """One line per (type, actor) for the same action on many cases, with their count."""
    out: list[dict[str, Any]] = []
    seen: dict[tuple[str, str | None], dict[str, Any]] = {}
    for e in events:
        key = (e.type, e.actor)
        if e.type in GROUPED and key in seen:
            seen[key]["count"] += 1
            continue
        item = {
            "case_id": e.case_id,
            "type": e.type,
            "at": e.at.isoformat(),
            "actor": e.actor,
            "data": e.data,
            "count": 1,
        }
        out.append(item)
        if e.type in GROUPED:
            seen[key] = item
    return out


def sync_case(session: Session, *, case_id: str, now: datetime) -> None:
    """After an action from Slack: show it at once rather than at the next scheduled sync."""
    session.flush()
    card = cards.card_for_case(session, case_id)
    if card is not None:
        sync(session, now=now, card_ids=[card.id])
