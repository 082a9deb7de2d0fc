"""After an outage: Slack rows that ran out of retries on a transient error (Slack down, 5xx, 429) go back to
`pending`, so nothing is lost while the `failed` state stays visible in between. Each pass gives a row one
more attempt; permanent errors (channel_not_found, invalid_auth, ...) are never retried."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session

from bot.models import Outbox

TRANSIENT = ("slack unavailable", "slack error", "ratelimited")
MAX_AGE = timedelta(days=1)


def requeue_transient(session: Session, *, kinds: Sequence[str], now: datetime, max_age: timedelta = MAX_AGE) -> int:
    stmt = (
        sa.update(Outbox)
        .where(
            Outbox.status == "failed",
            Outbox.kind.in_(list(kinds)),
            Outbox.created_at >= now - max_age,
            sa.or_(*(Outbox.last_error.startswith(prefix) for prefix in TRANSIENT)),
        )
        .values(status="pending", next_attempt_at=now, claimed_by=None, claimed_until=None)
    )
    return int(getattr(session.execute(stmt), "rowcount", 0) or 0)
