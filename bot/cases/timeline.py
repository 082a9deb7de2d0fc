"""Append events to a case's timeline."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from bot.models import TimelineEvent


def record(
    session: Session, *, case_id: str, type: str, at: datetime, actor: str | None = None, data: Any = None
) -> TimelineEvent:
    event = TimelineEvent(case_id=case_id, type=type, at=at, actor=actor, data=data)
    session.add(event)
    return event
