"""Accept mentions and tickets: commit the case (once per source + external_id) before answering."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from bot.models import Case, TimelineEvent, new_id
from bot.schemas import MentionIn, TicketIn


@dataclass(frozen=True)
class Accepted:
    case_id: str
    duplicate: bool


def _row(item: MentionIn | TicketIn, now: datetime) -> dict:
    if isinstance(item, MentionIn):
        person = item.author.model_dump(exclude_none=True)
        extra = item.model_dump(include={"url", "lang", "in_reply_to", "metrics"}, exclude_none=True)
        return dict(
            kind="mention",
            text=item.text,
            subject=None,
            person=person,
            author_key=item.author.handle.lower().lstrip("@"),
            extra=extra,
        )
    person = item.requester.model_dump(exclude_none=True)
    extra = item.model_dump(include={"url", "priority"}, exclude_none=True)
    key = (item.requester.email or item.requester.name or "").lower() or None
    return dict(kind="ticket", text=item.body, subject=item.subject, person=person, author_key=key, extra=extra)


def _insert_ignoring_duplicates(session: Session, values: dict) -> bool:
    """INSERT ... ON CONFLICT DO NOTHING RETURNING id: a row back means this call created the case."""
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    stmt = (
        insert(Case.__table__)
        .values(**values)
        .on_conflict_do_nothing(index_elements=["source", "external_id"])
        .returning(Case.__table__.c.id)
    )
    return session.execute(stmt).first() is not None


def ingest(session: Session, *, items: Iterable[MentionIn | TicketIn], now: datetime) -> list[Accepted]:
    """Store each item as a case with its `received` event; a known (source, external_id) is a duplicate.

    Runs in the caller's transaction: the caller commits before telling the sender 202.
    """
    results: list[Accepted] = []
    for item in items:
        case_id = new_id()
        values = dict(
            id=case_id,
            source=item.source,
            external_id=item.external_id,
            created_at=item.created_at,
            received_at=now,
            status="new",
            urgency_rank=0,
            attempts=0,
            **_row(item, now),
        )
        if _insert_ignoring_duplicates(session, values):
            session.execute(
                sa.insert(TimelineEvent).values(case_id=case_id, type="received", at=now, actor=item.source)
            )
            results.append(Accepted(case_id, False))
        else:
            existing = session.execute(
                sa.select(Case.id).where(Case.source == item.source, Case.external_id == item.external_id)
            ).scalar_one()
            results.append(Accepted(existing, True))
    return results
