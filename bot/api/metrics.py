from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query

from bot.api.deps import ContextDep, ManagerUser, SessionDep
from bot.measure.response_times import parse_filters, response_times

router = APIRouter(prefix="/v1/metrics", tags=["metrics"])


@router.get("/response-times")
def get_response_times(
    session: SessionDep,
    ctx: ContextDep,
    _: ManagerUser,
    since: Annotated[str | None, Query(description="RFC 3339 time with an offset, or a date (from its start)")] = None,
    until: Annotated[str | None, Query(description="RFC 3339 time with an offset, or a date (to its end)")] = None,
    group_by: Annotated[str | None, Query(description="source, category, urgency, risk or owner")] = None,
    source: Annotated[str | None, Query(description="comma-separated sources")] = None,
    category: Annotated[str | None, Query(description="comma-separated categories; (none) for none")] = None,
    urgency: Annotated[str | None, Query(description="comma-separated urgency levels or unclassified")] = None,
    risk: Annotated[str | None, Query(description="comma-separated risk types; (none) for none")] = None,
    owner: Annotated[str | None, Query(description="comma-separated owners; (none) for none")] = None,
    hours: Annotated[str | None, Query(description="clock (default) or business: Mon-Fri 09:00-17:00 UTC")] = None,
) -> dict[str, Any]:
    filters = parse_filters(
        since=since, until=until, source=source, category=category, urgency=urgency, risk=risk, owner=owner, hours=hours
    )
    return response_times(session, group_by=group_by or None, now=ctx.clock.now(), filters=filters)
