"""Team-wide reminders sent from a case ("so it does not happen again") and who confirmed them."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.cases import timeline
from bot.cases.queries import get_case
from bot.enums import OutboxKind
from bot.errors import InvalidRequest, NotFound
from bot.models import SlackReminder, SlackReminderConfirmation
from bot.outbox.rows import enqueue


def send(session: Session, *, case_id: str, text: str, channels: list[str], actor: str, now: datetime) -> SlackReminder:
    """Record the reminder and queue one post per channel (delivered through the outbox)."""
    text, channels = text.strip(), list(dict.fromkeys(c for c in channels if c))
    if not text or not channels:
        raise InvalidRequest("a reminder needs text and at least one channel")
    case = get_case(session, case_id)
    reminder = SlackReminder(case_id=case.id, text=text, channels=channels, actor=actor, created_at=now)
    session.add(reminder)
    session.flush()
    for channel in channels:
        enqueue(
            session,
            kind=OutboxKind.SLACK_REMINDER,
            key=f"{reminder.id}:{channel}",
            now=now,
            case_id=case.id,
            channel=channel,
            payload={"reminder_id": reminder.id},
        )
    timeline.record(
        session,
        case_id=case.id,
        type="reminder_sent",
        at=now,
        actor=actor,
        data={"reminder_id": reminder.id, "channels": channels, "text": text},
    )
    return reminder


def confirm(
    session: Session, *, reminder_id: int, user_id: str, name: str, actor: str, now: datetime
) -> tuple[SlackReminder, bool]:
    """A "Got it": counted once per person."""
    reminder = session.get(SlackReminder, reminder_id)
    if reminder is None:
        raise NotFound(f"reminder {reminder_id} not found")
    if session.get(SlackReminderConfirmation, (reminder_id, user_id)) is not None:
        return reminder, False
    try:
        with session.begin_nested():
            session.add(SlackReminderConfirmation(reminder_id=reminder_id, user_id=user_id, name=name[:128], at=now))
    except IntegrityError:
        return reminder, False
    timeline.record(
        session,
        case_id=reminder.case_id,
        type="reminder_confirmed",
        at=now,
        actor=actor,
        data={"reminder_id": reminder_id},
    )
    return reminder, True
