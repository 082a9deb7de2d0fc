"""Run one action on a case the same way from every door (API, web, Slack's flows): in its own transaction,
at most once per submission key, and shown on the case's Slack card at once."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from bot.cases.queries import get_case, render_cases
from bot.clock import Clock
from bot.db import transaction
from bot.escalation import card_sync
from bot.intake import seen


def perform(
    session_factory: sessionmaker[Session],
    clock: Clock,
    case_id: str,
    action: Callable[[Session, datetime], object],
    *,
    once_key: str | None = None,
) -> dict[str, Any]:
    """Run `action(session, now)`; with `once_key`, a repeat of the same submission does nothing.
    Returns the case as the API renders it, after the change."""
    with transaction(session_factory) as session:
        now = clock.now()
        get_case(session, case_id)  # 404 before anything is recorded
        if once_key is None or seen.first_time(session, key=once_key, now=now):
            action(session, now)
            card_sync.sync_case(session, case_id=case_id, now=now)
        session.flush()
        return render_cases(session, [get_case(session, case_id)])[0]
