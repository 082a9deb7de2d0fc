"""Everything an escalation card shows, read from the database (the Slack layer only renders it)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from bot.actions.suggestions import Suggestion, case_ref, suggest_for_case
from bot.cases import people
from bot.enums import CaseStatus
from bot.models import Case, SlackCard, SlackCardCase, SlackReminder, SlackReminderConfirmation, TimelineEvent
from playbooks.schema import Playbook

EXAMPLES = 3


@dataclass(frozen=True)
class ReminderView:
    id: int
    channels: list[str]
    actor: str
    confirmed: list[str]


@dataclass
class CardView:
    card_id: int | None
    case: Case
    ref: str
    classification: dict[str, Any] | None
    category_name: str | None
    mention: str | None
    ack_minutes: int | None
    similar_24h: int
    suggestions: list[Suggestion]
    from_person_7d: int = 1  # this customer's complaints in the 7 days up to this one, under any linked identity
    acked_by: str | None = None
    resolved_by: str | None = None
    reping_level: int = 0
    chain: list[str] = field(default_factory=list)
    theme_count: int = 1
    theme_examples: list[tuple[str, str, str]] = field(default_factory=list)  # (ref, author, text)
    reminders: list[ReminderView] = field(default_factory=list)


def _author(case: Case) -> str:
    person = case.person or {}
    return str(person.get("name") or (f"@{person['handle']}" if person.get("handle") else person.get("email") or "?"))


def similar_count(session: Session, case: Case, *, now: datetime) -> int:
    """Cases of the same category (else the same author) that arrived in the 24 hours before now."""
    if case.category:
        cond = Case.category == case.category
    elif case.author_key:
        cond = Case.author_key == case.author_key
    else:
        return 0
    stmt = sa.select(sa.func.count()).where(cond, Case.id != case.id, Case.received_at >= now - timedelta(hours=24))
    return int(session.execute(stmt).scalar_one())


def _last_actor(session: Session, case_id: str, type_: str) -> str | None:
    stmt = (
        sa.select(TimelineEvent.actor)
        .where(TimelineEvent.case_id == case_id, TimelineEvent.type == type_)
        .order_by(TimelineEvent.id.desc())
        .limit(1)
    )
    return session.execute(stmt).scalar_one_or_none()


def _reminders(session: Session, case_id: str) -> list[ReminderView]:
    rows = session.execute(sa.select(SlackReminder).where(SlackReminder.case_id == case_id).order_by(SlackReminder.id))
    out = []
    for reminder in rows.scalars():
        names = session.execute(
            sa.select(SlackReminderConfirmation.name)
            .where(SlackReminderConfirmation.reminder_id == reminder.id)
            .order_by(SlackReminderConfirmation.at)
        ).scalars()
        out.append(ReminderView(reminder.id, list(reminder.channels), reminder.actor, list(names)))
    return out


def build(
    session: Session,
    *,
    case: Case,
    card: SlackCard | None,
    playbooks: Mapping[str, Playbook],
    now: datetime,
    mention: str | None = None,
) -> CardView:
    book = playbooks.get(case.playbook or "")
    category = book.category(case.category) if book else None
    targets = book.targets_for(case.category) if book else None
    view = CardView(
        card_id=card.id if card else None,
        case=case,
        ref=case_ref(case.id),
        classification=case.classification.data if case.classification else None,
        category_name=category.name if category else None,
        mention=card.mention if card else mention,
        ack_minutes=targets.ack_minutes if targets else None,
        similar_24h=similar_count(session, case, now=now),
        from_person_7d=people.complaints_in_week(session, case, until=case.created_at),
        suggestions=suggest_for_case(case, book=book, category=category),
        acked_by=_last_actor(session, case.id, "acked") if case.acked_at else None,
        resolved_by=_last_actor(session, case.id, "resolved") if case.status == CaseStatus.RESOLVED else None,
        reping_level=card.reping_level if card else 0,
        chain=list(card.chain) if card else [],
        reminders=_reminders(session, case.id),
    )
    if card and card.case_count > 1:
        view.theme_count = card.case_count
        latest = (
            session.execute(
                sa.select(Case)
                .join(SlackCardCase, SlackCardCase.case_id == Case.id)
                .where(SlackCardCase.card_id == card.id, Case.id != case.id)
                .order_by(SlackCardCase.attached_at.desc())
                .limit(EXAMPLES)
            )
            .unique()
            .scalars()
        )
        view.theme_examples = [(case_ref(c.id), _author(c), c.text) for c in latest]
    return view


def for_card(session: Session, *, card_id: int, playbooks: Mapping[str, Playbook], now: datetime) -> CardView | None:
    card = session.get(SlackCard, card_id)
    if card is None:
        return None
    case = session.get(Case, card.root_case_id)
    return build(session, case=case, card=card, playbooks=playbooks, now=now) if case else None


def author_of(case: Case) -> str:
    return _author(case)
