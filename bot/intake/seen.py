"""Deliveries already handled (Slack event ids, view submissions): a retry or a double delivery does nothing."""

from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.models import SlackSeen


def first_time(session: Session, *, key: str, now: datetime) -> bool:
    """Record `key`; False when it was recorded before (by this or another replica)."""
    if session.get(SlackSeen, key) is not None:
        return False
    try:
        with session.begin_nested():
            session.add(SlackSeen(key=key[:255], at=now))
    except IntegrityError:
        return False
    return True


def prune(session: Session, *, now: datetime, keep: timedelta = timedelta(days=2)) -> int:
    result = session.execute(sa.delete(SlackSeen).where(SlackSeen.at < now - keep))
    return int(getattr(result, "rowcount", 0) or 0)
