"""Escalation cards as records: which Slack message shows which cases, and the outbox rows that keep the
message (chat.update) and its thread (the case's timeline) current."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from bot.cases import timeline
from bot.enums import OutboxKind, OutboxStatus
from bot.models import Case, Outbox, SlackCard, SlackCardCase, TimelineEvent
from bot.outbox.rows import dedupe_key, enqueue

# outbox kinds delivered to Slack (the escalation card itself is written by the classification worker)


def card_for_case(session: Session, case_id: str) -> SlackCard | None:
    link = session.get(SlackCardCase, case_id)
    return session.get(SlackCard, link.card_id) if link else None


def case_ids(session: Session, card_id: int) -> list[str]:
    return list(session.execute(sa.select(SlackCardCase.case_id).where(SlackCardCase.card_id == card_id)).scalars())


def max_event_id(session: Session, ids: list[str]) -> int:
    stmt = sa.select(sa.func.max(TimelineEvent.id)).where(TimelineEvent.case_id.in_(ids))
    return int(session.execute(stmt).scalar_one_or_none() or 0)


def create(
    session: Session, *, case: Case, channel: str, ts: str, mention: str | None, chain: list[str], now: datetime
) -> SlackCard:
    card = SlackCard(
        root_case_id=case.id,
        channel=channel,
        ts=ts,
        playbook=case.playbook,
        category=case.category,
        mention=mention,
        chain=list(chain),
        case_count=1,
        reping_level=0,
        synced_event_id=0,
        created_at=now,
        last_case_at=now,
    )
    session.add(card)
    session.flush()
    session.add(SlackCardCase(case_id=case.id, card_id=card.id, attached_at=now))
    return card


def attach(session: Session, *, card: SlackCard, case: Case, now: datetime) -> None:
    """Put a case on an existing (theme) card: one more in its count, and a refresh of the message soon."""
    session.add(SlackCardCase(case_id=case.id, card_id=card.id, attached_at=now))
    session.execute(
        sa.update(SlackCard)
        .where(SlackCard.id == card.id)
        .values(case_count=SlackCard.case_count + 1, last_case_at=now)
    )
    request_update(session, card=card, now=now, delay_seconds=1.0)


def record_notified(session: Session, *, case_id: str, channel: str, ts: str, now: datetime) -> None:
    data = {"channel": channel, "ts": ts}
    timeline.record(session, case_id=case_id, type="notified", at=now, actor="rrbot", data=data)


def request_update(session: Session, *, card: SlackCard, now: datetime, delay_seconds: float = 0.0) -> None:
    """Queue a chat.update of the card unless one is already waiting (a burst of changes gives one update)."""
    waiting = session.execute(
        sa.select(Outbox.id)
        .where(
            Outbox.kind == OutboxKind.SLACK_UPDATE,
            Outbox.status == OutboxStatus.PENDING,
            Outbox.claimed_by.is_(None),
            Outbox.dedupe_key.like(dedupe_key(OutboxKind.SLACK_UPDATE, f"{card.id}:%")),
        )
        .limit(1)
    ).first()
    if waiting:
        return
    enqueue(
        session,
        kind=OutboxKind.SLACK_UPDATE,
        key=f"{card.id}:{uuid.uuid4().hex}",
        now=now,
        case_id=card.root_case_id,
        channel=card.channel,
        payload={"card_id": card.id},
        delay_seconds=delay_seconds,
    )


def post_in_thread(session: Session, *, card: SlackCard, key: str, payload: dict[str, Any], now: datetime) -> None:
    enqueue(
        session,
        kind=OutboxKind.SLACK_THREAD,
        key=f"{card.id}:{key}",
        now=now,
        case_id=card.root_case_id,
        channel=card.channel,
        payload={"card_id": card.id, **payload},
    )
