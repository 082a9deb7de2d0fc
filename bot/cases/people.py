"""One customer, one story: the identities a person has linked (an X handle, a ticket email), and that customer's
cases across them. Each post stays its own case, because that is what a reply answers."""

from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.models import Case, PersonLink

MAX_IDENTITIES = 20


def identity_key(value: str) -> str:
    """How cases name a person (`Case.author_key`): an X handle without its @, an email, lower-cased."""
    return value.strip().lower().lstrip("@")[:320]


def identities(session: Session, key: str | None) -> set[str]:
    """`key` and every identity linked to it, directly or through others."""
    if not key:
        return set()
    found, frontier = {key}, {key}
    while frontier and len(found) < MAX_IDENTITIES:
        rows = session.execute(
            sa.select(PersonLink.a_key, PersonLink.b_key).where(
                sa.or_(PersonLink.a_key.in_(frontier), PersonLink.b_key.in_(frontier))
            )
        ).all()
        frontier = {k for row in rows for k in row} - found
        found |= frontier
    return found


def link(session: Session, *, a: str, b: str, actor: str, now: datetime) -> bool:
    """Link two identities; False when they already were (or are the same)."""
    first, second = sorted((a, b))
    if first == second or session.get(PersonLink, (first, second)) is not None:
        return False
    try:
        with session.begin_nested():
            session.add(PersonLink(a_key=first, b_key=second, actor=actor[:128], created_at=now))
    except IntegrityError:  # linked by someone else at the same moment
        return False
    return True


def story(session: Session, case: Case, *, limit: int = 10) -> list[Case]:
    """The same customer's other cases, under any linked identity, newest first."""
    keys = identities(session, case.author_key)
    if not keys:
        return []
    stmt = (
        sa.select(Case)
        .where(Case.author_key.in_(keys), Case.id != case.id)
        .order_by(Case.created_at.desc())
        .limit(limit)
    )
    return list(session.execute(stmt).unique().scalars())


def complaints_in_week(session: Session, case: Case, *, until: datetime) -> int:
    """How many cases this customer (under any linked identity) opened in the 7 days up to `until`: up to the
    case itself on its card ("3rd complaint in 7 days"), up to now on its page."""
    keys = identities(session, case.author_key)
    if not keys:
        return 1
    stmt = sa.select(sa.func.count()).where(
        Case.author_key.in_(keys), Case.created_at > until - timedelta(days=7), Case.created_at <= until
    )
    return max(1, int(session.execute(stmt).scalar() or 0))
