"""GET /metrics: the Prometheus exposition, for a manager or admin token sent as a Bearer header (Prometheus'
`authorization` setting)."""

from __future__ import annotations

from fastapi import APIRouter, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from bot.api.deps import ContextDep, ManagerUser

router = APIRouter(tags=["metrics"])


@router.get("/metrics", response_class=Response, responses={200: {"content": {CONTENT_TYPE_LATEST: {}}}})
def prometheus_metrics(ctx: ContextDep, _: ManagerUser) -> Response:
    return Response(generate_latest(ctx.metrics.registry), media_type=CONTENT_TYPE_LATEST)
