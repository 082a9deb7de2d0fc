"""People's "Wrong?" corrections of the risks, read back for retraining the risk head."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Session

from bot.models import Feedback


def risk_corrections(session: Session) -> list[tuple[str, list[str]]]:
    """(text, corrected risks) for every correction that names the risks, oldest first (so the latest wins)."""
    rows = session.execute(sa.select(Feedback.text, Feedback.corrections).order_by(Feedback.created_at, Feedback.id))
    return [(text, list(c["risks"])) for text, c in rows if isinstance(c, dict) and isinstance(c.get("risks"), list)]
