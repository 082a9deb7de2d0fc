"""Wake the outbox dispatcher as soon as a transaction that wrote outbox rows commits (an escalation card
then goes out in milliseconds, not at the next poll)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session, sessionmaker

from bot.models import Outbox

FLAG = "rrbot_outbox_written"


def install(factory: sessionmaker[Session], wake: Callable[[], None]) -> None:
    def after_flush(session: Session, _context: Any) -> None:
        if any(isinstance(obj, Outbox) for obj in session.new):
            session.info[FLAG] = True

    def after_commit(session: Session) -> None:
        if session.info.pop(FLAG, False):
            wake()

    def after_rollback(session: Session, _previous: Any) -> None:
        session.info.pop(FLAG, None)

    sa.event.listen(factory, "after_flush", after_flush)
    sa.event.listen(factory, "after_commit", after_commit)
    sa.event.listen(factory, "after_soft_rollback", after_rollback)
