"""What people do to a case: acknowledge, assign, reply, resolve, reopen, correct the model. Every action is idempotent
where it can be (acknowledging twice records one `acked`) and lands on the timeline with actor and time."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from bot.cases import people, timeline
from bot.cases.queries import get_case
from bot.enums import CaseStatus, OutboxKind
from bot.errors import InvalidRequest
from bot.models import Case, Feedback, Outbox, TimelineEvent
from bot.outbox.rows import enqueue
from bot.sources.replies import reply_problem


def _advance(case: Case, status: CaseStatus) -> None:
    if status.order > CaseStatus(case.status).order:
        case.status = status


def ack(session: Session, *, case_id: str, actor: str, now: datetime) -> tuple[Case, bool]:
    """Acknowledge; returns (case, changed). A second acknowledgement changes nothing."""
    case = get_case(session, case_id, for_update=True)
    if case.acked_at is not None:
        return case, False
    case.acked_at = now
    _advance(case, CaseStatus.ACKED)
    timeline.record(session, case_id=case.id, type="acked", at=now, actor=actor)
    return case, True


def reply(
    session: Session,
    *,
    case_id: str,
    text: str,
    send: bool,
    actor: str,
    now: datetime,
    seen: Mapping[str, Any] | None = None,
) -> Case:
    """Record a reply; with `send`, queue it for the source's replier through the outbox. `seen` describes a
    reply made outside the bot and found at its source (e.g. the post's id): recorded, never sent."""
    case = get_case(session, case_id, for_update=True)
    problem = reply_problem(case.source, text) if send else None
    if problem:
        raise InvalidRequest("the reply cannot be posted there", [{"field": "text", "reason": problem}])
    if case.acked_at is None:
        case.acked_at = now
        timeline.record(session, case_id=case.id, type="acked", at=now, actor=actor, data={"implicit": True})
    _advance(case, CaseStatus.REPLIED)
    event = timeline.record(
        session, case_id=case.id, type="replied", at=now, actor=actor, data={"text": text, "send": send, **(seen or {})}
    )
    if send:
        session.flush()
        enqueue(
            session,
            kind=OutboxKind.REPLY,
            key=f"{case.id}:{event.id}",
            now=now,
            case_id=case.id,
            channel=case.source,
            payload={
                "text": text,
                "external_id": case.external_id,
                "thread_id": (case.extra or {}).get("thread_id") or case.external_id,  # the ticket, for a comment
                "kind": case.kind,
                "actor": actor,
                "summoned": (case.extra or {}).get("summoned", True),
            },
        )
    return case


def resolve(session: Session, *, case_id: str, actor: str, now: datetime) -> tuple[Case, bool]:
    case = get_case(session, case_id, for_update=True)
    if case.status == CaseStatus.RESOLVED:
        return case, False
    case.status = CaseStatus.RESOLVED
    case.resolved_at = now
    timeline.record(session, case_id=case.id, type="resolved", at=now, actor=actor)
    return case, True


def reply_seen_at_source(
    session: Session, *, case_id: str, post_id: str, text: str, actor: str, at: datetime
) -> bool:
    """A reply the brand posted at the source outside the bot: recorded as a reply at the time it was posted,
    once; a post the bot made itself (its `reply_posted` event names it) is not counted again."""
    rows = session.execute(
        sa.select(TimelineEvent.data).where(
            TimelineEvent.case_id == case_id, TimelineEvent.type.in_(("replied", "reply_posted"))
        )
    ).scalars()
    known = {str(d.get("id") or d.get("post_id")) for d in rows if isinstance(d, dict)}
    if post_id in known:
        return False
    # the bot's own reply, posted but not yet settled (its `reply_posted` comes with the settle): same text
    queued = session.execute(
        sa.select(Outbox.payload).where(Outbox.case_id == case_id, Outbox.kind == OutboxKind.REPLY)
    ).scalars()
    if any(isinstance(p, dict) and str(p.get("text", "")).strip() == text.strip() for p in queued):
        return False
    reply(session, case_id=case_id, text=text, send=False, actor=actor, now=at, seen={"post_id": post_id})
    return True


def link_person(session: Session, *, case_id: str, other: str, actor: str, now: datetime) -> tuple[Case, bool]:
    """The case's author and `other` (a handle or an email) are one customer: linked, and said on the timelines
    of this case and of the other identity's latest case."""
    case = get_case(session, case_id, for_update=True)
    other_key = people.identity_key(other)
    if not case.author_key or not other_key:
        raise InvalidRequest("nothing to link", [{"field": "person", "reason": "a handle or an email"}])
    if not people.link(session, a=case.author_key, b=other_key, actor=actor, now=now):
        return case, False
    timeline.record(session, case_id=case.id, type="person_linked", at=now, actor=actor, data={"with": other_key})
    latest = session.execute(
        sa.select(Case.id).where(Case.author_key == other_key).order_by(Case.created_at.desc()).limit(1)
    ).scalar()
    if latest is not None:
        data = {"with": case.author_key, "case_id": case.id}
        timeline.record(session, case_id=latest, type="person_linked", at=now, actor=actor, data=data)
    return case, True


def reopen(session: Session, *, case_id: str, actor: str, now: datetime) -> tuple[Case, bool]:
    """Back to where it stood before it was resolved (replied, acknowledged or new); an open case is unchanged."""
    case = get_case(session, case_id, for_update=True)
    if case.status != CaseStatus.RESOLVED:
        return case, False
    replied = session.execute(
        sa.select(TimelineEvent.id).where(TimelineEvent.case_id == case.id, TimelineEvent.type == "replied").limit(1)
    ).first()
    case.status = CaseStatus.REPLIED if replied else CaseStatus.ACKED if case.acked_at else CaseStatus.NEW
    case.resolved_at = None
    timeline.record(session, case_id=case.id, type="reopened", at=now, actor=actor)
    return case, True


def assign(session: Session, *, case_id: str, assignee: str | None, actor: str, now: datetime) -> tuple[Case, bool]:
    """Give the case to a person (None or blank: to nobody); the same person again changes nothing."""
    case = get_case(session, case_id, for_update=True)
    assignee = (assignee or "").strip()[:128] or None
    if case.assignee == assignee:
        return case, False
    case.assignee = assignee
    timeline.record(session, case_id=case.id, type="assigned", at=now, actor=actor, data={"to": assignee})
    return case, True


def feedback(session: Session, *, case_id: str, corrections: dict[str, Any], actor: str, now: datetime) -> Case:
    """Store a correction of the model for retraining; the case's classification itself is not rewritten."""
    case = get_case(session, case_id)
    session.add(Feedback(case_id=case.id, actor=actor, corrections=corrections, text=case.text, created_at=now))
    timeline.record(session, case_id=case.id, type="feedback", at=now, actor=actor, data=corrections)
    return case
