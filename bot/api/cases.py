"""The triaged queue and what agents do to a case."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Query

from bot.actions import lifecycle
from bot.api.deps import AgentUser, ContextDep, SessionDep
from bot.cases.queries import QueueFilter, get_case, list_queue, render_cases
from bot.db import transaction
from bot.errors import InvalidRequest
from bot.schemas import FeedbackIn, ReplyIn

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
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    cursor: Annotated[str | None, Query(max_length=512)] = None,
) -> dict[str, Any]:
    filters = QueueFilter(_split(status), _split(urgency), _split(source), _split(category))
    cases, next_cursor = list_queue(session, filters=filters, limit=limit, cursor=cursor)
    return {"items": render_cases(session, cases), "next_cursor": next_cursor}


@router.get("/{case_id}")
def case_detail(case_id: str, session: SessionDep, _: AgentUser) -> dict[str, Any]:
    return render_cases(session, [get_case(session, case_id)])[0]


def _act(ctx: ContextDep, case_id: str, action: Callable[..., Any], **kwargs: Any) -> dict[str, Any]:
    """Run one action in its own transaction, committed before the answer goes out."""
    with transaction(ctx.session_factory) as session:
        action(session, case_id=case_id, now=ctx.clock.now(), **kwargs)
        session.flush()
        return render_cases(session, [get_case(session, case_id)])[0]


@router.post("/{case_id}/ack")
def ack(case_id: str, ctx: ContextDep, user: AgentUser) -> dict[str, Any]:
    return _act(ctx, case_id, lifecycle.ack, actor=f"api:{user.name}")


@router.post("/{case_id}/reply")
def reply(case_id: str, body: ReplyIn, ctx: ContextDep, user: AgentUser) -> dict[str, Any]:
    return _act(ctx, case_id, lifecycle.reply, text=body.text, send=body.send, actor=f"api:{user.name}")


@router.post("/{case_id}/resolve")
def resolve(case_id: str, ctx: ContextDep, user: AgentUser) -> dict[str, Any]:
    return _act(ctx, case_id, lifecycle.resolve, actor=f"api:{user.name}")


@router.post("/{case_id}/feedback")
def feedback(case_id: str, body: FeedbackIn, ctx: ContextDep, user: AgentUser) -> dict[str, Any]:
    corrections = body.model_dump(exclude_none=True, mode="json")
    if not corrections:
        raise InvalidRequest("nothing to correct", [{"field": "body", "reason": "give at least one field"}])
    return _act(ctx, case_id, lifecycle.feedback, corrections=corrections, actor=f"api:{user.name}")
