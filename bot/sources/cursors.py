"""Polled sources' state in the database: the newest id seen per stream (restarts neither miss nor repeat),
health (last success, errors, a pause after a rate limit, degraded after a usage cap) and this month's usage."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.models import SourceCursor


def load(session: Session, *, source: str, stream: str, for_update: bool = False) -> SourceCursor:
    cursor = session.get(SourceCursor, (source, stream), with_for_update=for_update)
    if cursor is not None:
        return cursor
    try:
        with session.begin_nested():  # another poller may create it at the same moment
            cursor = SourceCursor(source=source, stream=stream, error_count=0, degraded=False, reads=0, posts=0)
            session.add(cursor)
        return cursor
    except IntegrityError:
        found = session.get(SourceCursor, (source, stream), with_for_update=for_update)
        assert found is not None
        return found


def count_usage(cursor: SourceCursor, *, now: datetime, reads: int = 0, posts: int = 0) -> None:
    month = now.strftime("%Y-%m")
    if cursor.month != month:
        cursor.month, cursor.reads, cursor.posts = month, 0, 0
    cursor.reads += reads
    cursor.posts += posts


def record_ok(cursor: SourceCursor, *, now: datetime, since_id: str | None = None) -> None:
    if since_id is not None:
        cursor.since_id = since_id
    cursor.last_ok_at, cursor.last_error, cursor.error_count, cursor.degraded = now, None, 0, False
    cursor.updated_at = now


def record_error(cursor: SourceCursor, *, now: datetime, reason: str, paused_until: datetime | None = None) -> None:
    cursor.last_error, cursor.error_count, cursor.updated_at = reason[:500], cursor.error_count + 1, now
    if paused_until is not None:
        cursor.paused_until = paused_until


def health(session: Session, *, source: str, prices: dict[str, float], now: datetime) -> dict[str, Any]:
    """What /readyz shows for a source: per stream its state, last success, last error, usage and cost."""
    rows = session.execute(sa.select(SourceCursor).where(SourceCursor.source == source)).scalars().all()
    month = now.strftime("%Y-%m")
    streams = {}
    reads = posts = 0
    for c in rows:
        this_month = c.month == month
        reads += c.reads if this_month else 0
        posts += c.posts if this_month else 0
        state = "degraded" if c.degraded else ("error" if c.error_count else "ok")
        if c.paused_until is not None and c.paused_until > now:
            state = "rate_limited"
        streams[c.stream] = {
            "status": state,
            "last_ok_at": c.last_ok_at.isoformat() if c.last_ok_at else None,
            "last_error": c.last_error,
            "paused_until": c.paused_until.isoformat() if c.paused_until and c.paused_until > now else None,
        }
    cost = reads * prices.get("read", 0.0) + posts * prices.get("post", 0.0)
    return {"streams": streams, "month": month, "reads": reads, "posts": posts, "cost_usd": round(cost, 4)}
