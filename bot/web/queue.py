"""The agents' queue at `/`: most urgent first, then oldest; filters, search and "assigned to me"; live through
server-sent events (`/queue/events` says when anything changed, the page fetches `/queue/rows` again)."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any

import sqlalchemy as sa
from fastapi import APIRouter, Depends, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, StreamingResponse
from sqlalchemy.orm import Session

from bot.api.deps import ContextDep, SessionDep
from bot.cases.queries import QueueFilter, list_queue, render_cases
from bot.context import AppContext
from bot.enums import CaseStatus, RiskType, UrgencyLevel
from bot.errors import RRBotError
from bot.models import Case, TimelineEvent
from bot.sources.status import sources_status
from bot.web.auth import AgentPage
from bot.web.render import explain, page
from bot.web.sessions import WebUser

router = APIRouter(include_in_schema=False)
OPEN = [CaseStatus.NEW.value, CaseStatus.ACKED.value, CaseStatus.REPLIED.value]
PAGE_SIZE = 100
STREAM_SECONDS = 300.0  # then the browser's EventSource reconnects on its own
POLL_SECONDS = 0.25
HEARTBEAT_SECONDS = 15.0


@dataclass(frozen=True)
class QueueQuery:
    """The page's filters, as the browser sends them (empty = any)."""

    status: str = ",".join(OPEN)
    urgency: str = ""
    risk: str = ""
    source: str = ""
    category: str = ""
    owner: str = ""
    q: str = ""
    mine: bool = False

    def filter(self, user: WebUser) -> QueueFilter:
        def split(value: str) -> list[str] | None:
            return [v for v in value.split(",") if v] or None

        return QueueFilter(
            status=split(self.status),
            urgency=split(self.urgency),
            source=split(self.source),
            category=split(self.category),
            risk=split(self.risk),
            owner=split(self.owner),
            assignee=[user.name] if self.mine else None,
            q=self.q or None,
        )


def _query(
    status: Annotated[str, Query(max_length=200)] = ",".join(OPEN),
    urgency: Annotated[str, Query(max_length=200)] = "",
    risk: Annotated[str, Query(max_length=200)] = "",
    source: Annotated[str, Query(max_length=200)] = "",
    category: Annotated[str, Query(max_length=200)] = "",
    owner: Annotated[str, Query(max_length=200)] = "",
    q: Annotated[str, Query(max_length=200)] = "",
    mine: Annotated[bool, Query()] = False,
) -> QueueQuery:
    return QueueQuery(status, urgency, risk, source, category, owner, q.strip(), mine)


QueryDep = Annotated[QueueQuery, Depends(_query)]


def next_target(case: dict[str, Any], now: datetime) -> tuple[str, float] | None:
    """The next response target this open case must meet, and the seconds left (negative: overdue)."""
    if case["status"] == CaseStatus.RESOLVED:
        return None
    if case["status"] == CaseStatus.NEW:
        name, due = "ack", case.get("ack_due_at")
    elif case["status"] == CaseStatus.ACKED:
        name, due = "reply", case.get("reply_due_at")
    else:
        name, due = "resolve", case.get("resolve_due_at")
    if not due:
        return None
    return name, (datetime.fromisoformat(due) - now).total_seconds()


def row_view(case: dict[str, Any], now: datetime) -> dict[str, Any]:
    cls = case["classification"] or {}
    person = case.get("author") or case.get("requester") or {}
    serious = [r for r in cls.get("risks", []) if r.get("serious")]
    category = cls.get("category") or {}
    return {
        "id": case["id"],
        "level": cls["urgency"]["level"] if cls else "pending",
        "reasons": cls["urgency"]["reasons"] if cls else ["waiting for the model"],
        "risks": [f"{r['type']} {r['score']:.0%}" for r in serious],
        "category": category.get("label") or category.get("name"),
        "sentiment": (cls.get("sentiment") or {}).get("label"),
        "text": case["text"],
        "subject": case.get("subject"),
        "source": case["source"],
        "who": person.get("handle") or person.get("name") or person.get("email") or "?",
        "followers": person.get("followers"),
        "status": case["status"],
        "assignee": case.get("assignee"),
        "owner": case.get("owner"),
        "escalation": case["escalation"]["status"],
        "age": (now - datetime.fromisoformat(case["created_at"])).total_seconds(),
        "target": next_target(case, now),
    }


def _rows(session: Session, ctx: AppContext, user: WebUser, query: QueueQuery) -> tuple[list[dict[str, Any]], str]:
    """The rows to show, or none and the reason the filters were refused."""
    try:
        cases, _ = list_queue(session, filters=query.filter(user), limit=PAGE_SIZE)
    except RRBotError as exc:
        return [], explain(exc)
    now = ctx.clock.now()
    return [row_view(c, now) for c in render_cases(session, cases)], ""


def _choices(session: Session) -> dict[str, list[str]]:
    def distinct(column: Any) -> list[str]:
        return [v for v in session.execute(sa.select(column).where(column.is_not(None)).distinct()).scalars() if v][
            :200
        ]

    return {
        "status": [s.value for s in CaseStatus],
        "urgency": [u.value for u in reversed(UrgencyLevel)],
        "risk": [r.value for r in RiskType] + ["none"],
        "source": sorted(distinct(Case.source)),
        "category": sorted(distinct(Case.category)),
        "owner": sorted(distinct(Case.owner)),
    }


@router.get("/", response_class=HTMLResponse)
def queue_page(
    request: Request, ctx: ContextDep, session: SessionDep, user: AgentPage, query: QueryDep
) -> HTMLResponse:
    version = _version_in(session)  # before the rows: the rows are at least this new, never older
    rows, problem = _rows(session, ctx, user, query)
    model = "ready" if ctx.model.ready.is_set() and not ctx.model.error else (ctx.model.error or "loading")
    return page(
        request,
        "queue.html",
        user=user,
        rows=rows,
        query=query,
        choices=_choices(session),
        model=model,
        slack=ctx.settings.slack_enabled,
        sources=sources_status(ctx, session),
        version=version,
        message=problem or None,
        message_kind="error",
    )


@router.get("/queue/rows", response_class=HTMLResponse)
def queue_rows(
    request: Request, ctx: ContextDep, session: SessionDep, user: AgentPage, query: QueryDep
) -> HTMLResponse:
    rows, _ = _rows(session, ctx, user, query)
    return page(request, "queue_rows.html", user=user, rows=rows)


def _version_in(session: Session) -> int:
    """Grows whenever any case changes: every change adds a timeline event."""
    return int(session.execute(sa.select(sa.func.max(TimelineEvent.id))).scalar() or 0)


class SharedVersion:
    """One query per poll interval for every open queue in this process, however many agents watch."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._value, self._at = 0, float("-inf")

    def get(self, ctx: AppContext) -> int:
        with self._lock:
            if time.monotonic() - self._at >= POLL_SECONDS:
                with ctx.session_factory() as session:
                    self._value = _version_in(session)
                self._at = time.monotonic()
            return self._value


@router.get("/queue/events")
async def queue_events(request: Request, ctx: ContextDep, user: AgentPage) -> StreamingResponse:
    shared: SharedVersion = request.app.state.queue_version

    async def stream() -> AsyncIterator[str]:
        yield "retry: 1000\n\n"
        last, beat, ends = -1, time.monotonic(), time.monotonic() + STREAM_SECONDS
        while time.monotonic() < ends and not await request.is_disconnected():
            version = await run_in_threadpool(shared.get, ctx)
            if version != last:
                last, beat = version, time.monotonic()
                yield f"event: changed\ndata: {version}\n\n"
            elif time.monotonic() - beat > HEARTBEAT_SECONDS:
                beat = time.monotonic()
                yield ": still here\n\n"
            await asyncio.sleep(POLL_SECONDS)

    return StreamingResponse(
        stream(), media_type="text/event-stream", headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"}
    )
