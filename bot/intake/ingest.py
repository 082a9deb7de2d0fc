"""Accept mentions and tickets: commit the case (once per source + external_id) before answering."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from bot.db import INGEST_CHANNEL, announce
from bot.enums import CaseStatus
from bot.errors import InvalidRequest
from bot.models import Case, TimelineEvent, new_id, table_of
from bot.schemas import MentionIn, TicketIn


@dataclass(frozen=True)
class Accepted:
    case_id: str
    duplicate: bool


def _row(item: MentionIn | TicketIn, now: datetime) -> dict[str, Any]:
    if isinstance(item, MentionIn):
        person = item.author.model_dump(exclude_none=True)
        extra = item.model_dump(include={"url", "lang", "in_reply_to", "metrics", "summoned"}, exclude_none=True)
        return {
            "kind": "mention",
            "text": item.text,
            "subject": None,
            "person": person,
            "author_key": item.author.handle.lower().lstrip("@"),
            "extra": extra,
        }
    person = item.requester.model_dump(exclude_none=True)
    extra = item.model_dump(include={"url", "priority", "thread_id"}, exclude_none=True)
    key = (item.requester.email or item.requester.name or "").lower() or None
    return {
        "kind": "ticket",
        "text": item.body,
        "subject": item.subject,
        "person": person,
        "author_key": key,
        "extra": extra,
    }


def _insert_statement(dialect: str) -> sa.Insert:
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    table = table_of(Case)
    return insert(table).on_conflict_do_nothing(index_elements=["source", "external_id"]).returning(table.c.id)


MAX_FUTURE = timedelta(hours=1)  # clock skew allowed between a source and us


def check_times(item: MentionIn | TicketIn, *, now: datetime) -> None:
    """Reject what the clock says cannot be true (raises InvalidRequest naming the field)."""
    if item.created_at > now + MAX_FUTURE:
        reason = "created_at is more than an hour in the future"
        raise InvalidRequest("invalid created_at", [{"field": "created_at", "reason": reason}])


def ingest(session: Session, *, items: Sequence[MentionIn | TicketIn], now: datetime) -> list[Accepted]:
    """Store each item as a case with its `received` event; a known (source, external_id) is a duplicate.

    One multi-row INSERT ... ON CONFLICT DO NOTHING RETURNING id for all items: the ids that come back are
    the cases this call created; the others already existed (or came twice in this call) and are looked up.
    Runs in the caller's transaction: the caller commits before telling the sender 202.
    """
    if not items:
        return []
    rows = [
        dict(
            id=new_id(),
            source=item.source,
            external_id=item.external_id,
            created_at=item.created_at,
            received_at=now,
            status=CaseStatus.NEW,
            urgency_rank=0,
            attempts=0,
            **_row(item, now),
        )
        for item in items
    ]
    dialect = session.get_bind().dialect.name
    created = set(session.execute(_insert_statement(dialect), rows).scalars())
    if created:
        announce(session, INGEST_CHANNEL)  # workers in other processes start classifying on commit
    existing: dict[tuple[str, str], str] = {}
    missing = {(r["source"], r["external_id"]) for r in rows if r["id"] not in created}
    if missing:
        found = session.execute(
            sa.select(Case.source, Case.external_id, Case.id).where(
                sa.tuple_(Case.source, Case.external_id).in_(list(missing))
            )
        )
        existing = {(source, ext): case_id for source, ext, case_id in found}
    events = [
        {"case_id": r["id"], "type": "received", "at": now, "actor": r["source"], "data": None}
        for r in rows
        if r["id"] in created
    ]
    if events:
        session.execute(sa.insert(table_of(TimelineEvent)), events)
    return [
        Accepted(r["id"], False) if r["id"] in created else Accepted(existing[(r["source"], r["external_id"])], True)
        for r in rows
    ]
