"""Read cases: the triaged queue (keyset pagination) and the Case JSON of the contract."""

from __future__ import annotations

import base64
import json
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from bot.enums import CaseStatus, OutboxKind, OutboxStatus, RiskType, UrgencyLevel
from bot.errors import InvalidRequest, NotFound
from bot.models import Case, Outbox, TimelineEvent


@dataclass(frozen=True)
class QueueFilter:
    status: list[str] | None = None
    urgency: list[str] | None = None
    source: list[str] | None = None
    category: list[str] | None = None
    risk: list[str] | None = None
    owner: list[str] | None = None
    assignee: list[str] | None = None
    q: str | None = None  # words in the text, the subject or the author's handle or email

    def validate(self) -> None:
        problems = []
        for value in self.status or []:
            if value not in set(CaseStatus):
                problems.append({"field": "status", "reason": f"{value!r} is not one of {', '.join(CaseStatus)}"})
        for value in self.urgency or []:
            if value not in set(UrgencyLevel):
                problems.append({"field": "urgency", "reason": f"{value!r} is not one of {', '.join(UrgencyLevel)}"})
        texts = [("q", self.q or "")] + [
            (name, v)
            for name in ("status", "urgency", "source", "category", "risk", "owner", "assignee")
            for v in getattr(self, name) or []
        ]
        problems += [{"field": name, "reason": "must not contain NUL"} for name, v in texts if "\x00" in v]
        for value in self.risk or []:
            if value != "none" and value not in set(RiskType):
                problems.append({"field": "risk", "reason": f"{value!r} is not 'none' or one of {', '.join(RiskType)}"})
        if problems:
            raise InvalidRequest("invalid filter", problems)


def encode_cursor(case: Case) -> str:
    raw = json.dumps([case.urgency_rank, case.created_at.isoformat(), case.id]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[int, datetime, str]:
    """The position a cursor names; anything this API did not hand out is a 422, never a database error."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        rank, created, case_id = json.loads(raw)
        rank, created_at, case_id = int(rank), datetime.fromisoformat(created), str(case_id)
        if not 0 <= rank <= len(UrgencyLevel) or created_at.tzinfo is None or not _plain_id(case_id):
            raise ValueError("out of range")
        return rank, created_at, case_id
    except (ValueError, TypeError, OverflowError) as exc:
        raise InvalidRequest("invalid cursor", [{"field": "cursor", "reason": "not a cursor from this API"}]) from exc


def _plain_id(value: str) -> bool:
    return 0 < len(value) <= 64 and "\x00" not in value


def list_queue(
    session: Session, *, filters: QueueFilter, limit: int = 50, cursor: str | None = None
) -> tuple[list[Case], str | None]:
    """Most urgent first, then oldest first (unclassified cases, rank 0, come last until classified)."""
    filters.validate()
    stmt = sa.select(Case)
    if filters.status:
        stmt = stmt.where(Case.status.in_(filters.status))
    if filters.urgency:
        stmt = stmt.where(Case.urgency_rank.in_([UrgencyLevel(u).rank for u in filters.urgency]))
    if filters.source:
        stmt = stmt.where(Case.source.in_(filters.source))
    if filters.category:
        stmt = stmt.where(Case.category.in_(filters.category))
    if filters.risk:
        named = [r for r in filters.risk if r != "none"]
        wanted = [Case.risk.in_(named)] if named else []
        stmt = stmt.where(sa.or_(*wanted, *([Case.risk.is_(None)] if "none" in filters.risk else [])))
    if filters.owner:
        stmt = stmt.where(Case.owner.in_(filters.owner))
    if filters.assignee:
        stmt = stmt.where(Case.assignee.in_(filters.assignee))
    if filters.q and filters.q.strip():
        pattern = "%" + filters.q.strip().lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        stmt = stmt.where(
            sa.or_(
                sa.func.lower(Case.text).like(pattern, escape="\\"),
                sa.func.lower(sa.func.coalesce(Case.subject, "")).like(pattern, escape="\\"),
                sa.func.coalesce(Case.author_key, "").like(pattern, escape="\\"),
            )
        )
    if cursor:
        rank, created, case_id = decode_cursor(cursor)
        stmt = stmt.where(
            sa.or_(
                Case.urgency_rank < rank,
                sa.and_(Case.urgency_rank == rank, Case.created_at > created),
                sa.and_(Case.urgency_rank == rank, Case.created_at == created, Case.id > case_id),
            )
        )
    stmt = stmt.order_by(Case.urgency_rank.desc(), Case.created_at.asc(), Case.id.asc()).limit(limit + 1)
    rows = list(session.execute(stmt).unique().scalars())
    next_cursor = encode_cursor(rows[limit - 1]) if len(rows) > limit else None
    return rows[:limit], next_cursor


def get_case(session: Session, case_id: str, *, for_update: bool = False) -> Case:
    if not _plain_id(case_id):  # e.g. a NUL, which PostgreSQL refuses in text: no such case, not a 500
        raise NotFound("case not found")
    stmt = sa.select(Case).where(Case.id == case_id)
    if for_update:
        stmt = stmt.with_for_update(of=Case)
    case = session.execute(stmt).unique().scalar_one_or_none()
    if case is None:
        raise NotFound(f"case {case_id} not found")
    return case


def _timelines(session: Session, ids: list[str]) -> dict[str, list[TimelineEvent]]:
    out: dict[str, list[TimelineEvent]] = defaultdict(list)
    if ids:
        stmt = (
            sa.select(TimelineEvent).where(TimelineEvent.case_id.in_(ids)).order_by(TimelineEvent.at, TimelineEvent.id)
        )
        for event in session.execute(stmt).scalars():
            out[event.case_id].append(event)
    return out


def _escalations(session: Session, ids: list[str]) -> dict[str, Outbox]:
    if not ids:
        return {}
    stmt = sa.select(Outbox).where(Outbox.case_id.in_(ids), Outbox.kind == OutboxKind.ESCALATION)
    return {row.case_id: row for row in session.execute(stmt).scalars() if row.case_id}


def escalation_view(row: Outbox | None) -> dict[str, Any]:
    if row is None:
        return {"status": "none", "channel": None, "ts": None}
    result = row.result or {}
    waiting = row.status == OutboxStatus.WAITING
    return {
        # the contract's four states; a row waiting for its connector is still "pending" delivery
        "status": OutboxStatus.PENDING.value if waiting else row.status,
        "channel": result.get("channel", row.channel),
        "ts": result.get("ts"),
        "attempts": row.attempts,
        "waiting_for": row.waiting_for if waiting else None,
        "error_code": row.error_code,
        "last_error": row.last_error,
    }


def render_cases(session: Session, cases: list[Case]) -> list[dict[str, Any]]:
    ids = [c.id for c in cases]
    # the escalation first, then the timeline: on PostgreSQL each statement sees the latest commits, so a card
    # shown as posted always comes with its `notified` event (read the other way round, it could be missing)
    escalations = _escalations(session, ids)
    timelines = _timelines(session, ids)
    return [render_case(c, timelines.get(c.id, []), escalations.get(c.id)) for c in cases]


def render_case(case: Case, timeline: list[TimelineEvent], escalation: Outbox | None) -> dict[str, Any]:
    person_key = "author" if case.kind == "mention" else "requester"
    body: dict[str, Any] = {
        "id": case.id,
        "kind": case.kind,
        "source": case.source,
        "external_id": case.external_id,
        "text": case.text,
        person_key: case.person,
        "created_at": case.created_at.isoformat(),
        "received_at": case.received_at.isoformat(),
        "status": case.status,
        "classification": case.classification.data if case.classification else None,
        "escalation": escalation_view(escalation),
        "timeline": [{"type": e.type, "at": e.at.isoformat(), "actor": e.actor, "data": e.data} for e in timeline],
        "playbook": case.playbook,
        "ack_due_at": case.ack_due_at.isoformat() if case.ack_due_at else None,
        "reply_due_at": case.reply_due_at.isoformat() if case.reply_due_at else None,
        "resolve_due_at": case.resolve_due_at.isoformat() if case.resolve_due_at else None,
        "risk": case.risk,
        "owner": case.owner,
        "assignee": case.assignee,
        "snoozed_until": case.snoozed_until.isoformat() if case.snoozed_until else None,
        "late_on_arrival_minutes": case.late_minutes,
    }
    if case.subject is not None:
        body["subject"] = case.subject
    body.update({k: v for k, v in (case.extra or {}).items() if k not in body})
    return body
