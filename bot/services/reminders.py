"""Team-wide reminders sent from a case ("so it does not happen again") and who confirmed them."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.errors import InvalidRequest, NotFound
from bot.models import Outbox, SlackReminder, SlackReminderConfirmation
from bot.services import timeline
from bot.services.cases import get_case


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
        session.add(
            Outbox(
                case_id=case.id,
                kind="slack_reminder",
                channel=channel,
                payload={"reminder_id": reminder.id},
                dedupe_key=f"slack_reminder:{reminder.id}:{channel}",
                status="pending",
                next_attempt_at=now,
                created_at=now,
            )
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
