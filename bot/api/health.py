from __future__ import annotations

import sqlalchemy as sa
from fastapi import APIRouter
from fastapi.responses import JSONResponse

from bot.api.deps import ContextDep
from bot.sources.status import sources_status

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
    try:
        with ctx.session_factory() as session:  # informative: a degraded source does not make the service unready
            body["sources"] = sources_status(ctx, session)
    except Exception as exc:  # report, never raise: this is the readiness probe
        body["sources"] = {"status": "error", "reason": type(exc).__name__}
    return JSONResponse(body, 200 if ready else 503)
