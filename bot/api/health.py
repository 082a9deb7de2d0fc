from __future__ import annotations

import sqlalchemy as sa
from fastapi import APIRouter
from fastapi.responses import JSONResponse

from bot.api.deps import ContextDep
from bot.context import AppContext
from bot.sources import cursors

router = APIRouter(tags=["health"])


@router.get("/healthz")
def healthz() -> dict[str, str]:
    return {"status": "ok"}


@router.get("/readyz")
def readyz(ctx: ContextDep) -> JSONResponse:
    components: dict[str, dict[str, str]] = {}
    try:
        with ctx.engine.connect() as conn:
            conn.execute(sa.text("SELECT 1"))
        components["database"] = {"status": "ok"}
    except Exception as exc:  # report, never raise: this is the readiness probe
        components["database"] = {"status": "error", "reason": type(exc).__name__}
    if ctx.model.ready.is_set() and ctx.model.error is None:
        components["model"] = {"status": "ok", "version": ctx.model.version}
    elif ctx.model.error:
        components["model"] = {"status": "error", "reason": ctx.model.error}
    else:
        components["model"] = {"status": "loading"}
    ready = all(c["status"] == "ok" for c in components.values())
    body: dict[str, object] = {"status": "ok" if ready else "unavailable", "components": components}
    body["sources"] = _sources(ctx)  # informative: a degraded source does not make the service unready
    return JSONResponse(body, 200 if ready else 503)


def _sources(ctx: AppContext) -> dict[str, object]:
    settings = ctx.settings
    sources: dict[str, object] = {}
    if ctx.x is not None:
        prices = {"read": settings.x_price_per_read, "post": settings.x_price_per_post}
        try:
            with ctx.session_factory() as session:
                sources["x"] = {
                    "polling": ctx.x.reads,
                    "replying": ctx.x.replier is not None,
                    **cursors.health(session, source="x", prices=prices, now=ctx.clock.now()),
                }
        except Exception as exc:  # report, never raise
            sources["x"] = {"status": "error", "reason": type(exc).__name__}
    return sources
