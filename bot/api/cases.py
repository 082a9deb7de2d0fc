"""The triaged queue and what agents do to a case (the same actions as the web page and the Slack card)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query
from sqlalchemy.orm import Session

from bot.actions import lifecycle, reminders, snooze
from bot.actions.perform import perform
from bot.api.deps import AgentUser, ContextDep, SessionDep
from bot.cases.queries import QueueFilter, get_case, list_queue, render_cases
from bot.errors import InvalidRequest
from bot.schemas import AssignIn, FeedbackIn, LinkIn, RemindIn, ReplyIn, SnoozeIn

router = APIRouter(prefix="/v1/cases", tags=["cases"])


def _split(values: list[str] | None) -> list[str] | None:
    if not values:
        return None
    return [v.strip() for value in values for v in value.split(",") if v.strip()] or None


@router.get("")
def queue(
    session: SessionDep,
    _: AgentUser,
    status: Annotated[list[str] | None, Query()] = None,
    urgency: Annotated[list[str] | None, Query()] = None,
    source: Annotated[list[str] | None, Query()] = None,
    category: Annotated[list[str] | None, Query()] = None,
    risk: Annotated[list[str] | None, Query()] = None,
    owner: Annotated[list[str] | None, Query()] = None,
    assignee: Annotated[list[str] | None, Query()] = None,
    q: Annotated[str | None, Query(max_length=200)] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    cursor: Annotated[str | None, Query(max_length=512)] = None,
) -> dict[str, Any]:
    filters = QueueFilter(
        status=_split(status),
        urgency=_split(urgency),
        source=_split(source),
        category=_split(category),
        risk=_split(risk),
        owner=_split(owner),
        assignee=_split(assignee),
        q=q,
    )
    cases, next_cursor = list_queue(session, filters=filters, limit=limit, cursor=cursor)
    return {"items": render_cases(session, cases), "next_cursor": next_cursor}


@router.get("/{case_id}")
def case_detail(case_id: str, session: SessionDep, _: AgentUser) -> dict[str, Any]:
    return render_cases(session, [get_case(session, case_id)])[0]


def _act(ctx: ContextDep, case_id: str, action: Callable[..., Any], **kwargs: Any) -> dict[str, Any]:
    def run(session: Session, now: datetime) -> None:
        action(session, case_id=case_id, now=now, **kwargs)

    return perform(ctx.session_factory, ctx.clock, case_id, run)


@router.post("/{case_id}/ack")
def ack(case_id: str, ctx: ContextDep, user: AgentUser) -> dict[str, Any]:
    return _act(ctx, case_id, lifecycle.ack, actor=f"api:{user.name}")


@router.post("/{case_id}/assign")
def assign(case_id: str, body: AssignIn, ctx: ContextDep, user: AgentUser) -> dict[str, Any]:
    return _act(ctx, case_id, lifecycle.assign, assignee=body.assignee, actor=f"api:{user.name}")


@router.post("/{case_id}/link")
def link(case_id: str, body: LinkIn, ctx: ContextDep, user: AgentUser) -> dict[str, Any]:
    """The case's author and `person` (an X handle or an email) are one customer: one story across sources."""
    return _act(ctx, case_id, lifecycle.link_person, other=body.person, actor=f"api:{user.name}")


@router.post("/{case_id}/reply")
def reply(case_id: str, body: ReplyIn, ctx: ContextDep, user: AgentUser) -> dict[str, Any]:
    return _act(ctx, case_id, lifecycle.reply, text=body.text, send=body.send, actor=f"api:{user.name}")


@router.post("/{case_id}/remind")
def remind(case_id: str, body: RemindIn, ctx: ContextDep, user: AgentUser) -> dict[str, Any]:
    return _act(ctx, case_id, reminders.send, text=body.text, channels=body.channels, actor=f"api:{user.name}")


@router.post("/{case_id}/snooze")
def snooze_case(case_id: str, body: SnoozeIn, ctx: ContextDep, user: AgentUser) -> dict[str, Any]:
    return _act(ctx, case_id, snooze.snooze, minutes=body.minutes, actor=f"api:{user.name}")


@router.post("/{case_id}/resolve")
def resolve(case_id: str, ctx: ContextDep, user: AgentUser) -> dict[str, Any]:
    return _act(ctx, case_id, lifecycle.resolve, actor=f"api:{user.name}")


@router.post("/{case_id}/reopen")
def reopen(case_id: str, ctx: ContextDep, user: AgentUser) -> dict[str, Any]:
    return _act(ctx, case_id, lifecycle.reopen, actor=f"api:{user.name}")


@router.post("/{case_id}/feedback")
def feedback(case_id: str, body: FeedbackIn, ctx: ContextDep, user: AgentUser) -> dict[str, Any]:
    corrections = body.model_dump(exclude_none=True, mode="json")
    if not corrections:
        raise InvalidRequest("nothing to correct", [{"field": "body", "reason": "give at least one field"}])
    return _act(ctx, case_id, lifecycle.feedback, corrections=corrections, actor=f"api:{user.name}")
