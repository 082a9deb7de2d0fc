"""Operational notices for the team in Slack (a source degraded, a connector failing), each sent once."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from bot.clock import Clock
from bot.db import transaction
from bot.enums import OutboxKind
from bot.outbox.rows import enqueue


def notifier(
    session_factory: sessionmaker[Session], clock: Clock, channel: str | None, *, topic: str
) -> Callable[[str], None]:
    """A function that queues `text` for `channel` at most once per topic and day (nothing when no channel)."""

    def notify(text: str) -> None:
        if not channel:
            return
        now = clock.now()
        try:
            with transaction(session_factory) as session:
                enqueue(
                    session,
                    kind=OutboxKind.SLACK_NOTICE,
                    key=f"{topic}:{now.date().isoformat()}",
                    now=now,
                    channel=channel,
                    payload={"text": text},
                )
        except IntegrityError:
            return  # already told today

    return notify
