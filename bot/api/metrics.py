from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import AwareDatetime

from bot.api.deps import ContextDep, ManagerUser, SessionDep
from bot.measure.response_times import response_times

router = APIRouter(prefix="/v1/metrics", tags=["metrics"])


@router.get("/response-times")
def get_response_times(
    session: SessionDep,
    ctx: ContextDep,
    _: ManagerUser,
    since: Annotated[AwareDatetime | None, Query()] = None,
    until: Annotated[AwareDatetime | None, Query()] = None,
    group_by: Annotated[str | None, Query()] = None,
) -> dict[str, Any]:
    return response_times(session, since=since, until=until, group_by=group_by, now=ctx.clock.now())
