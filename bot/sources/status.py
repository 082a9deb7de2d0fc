"""Each connected source's health and this month's usage and cost, as /readyz and the web pages show it."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from bot.context import AppContext
from bot.sources import cursors


def sources_status(ctx: AppContext, session: Session) -> dict[str, Any]:
    """Informative only: a degraded source does not make the service unready. Never raises."""
    settings = ctx.settings
    sources: dict[str, Any] = {}
    if ctx.x is not None:
        prices = {"read": settings.x_price_per_read, "post": settings.x_price_per_post}
        try:
            sources["x"] = {
                "polling": ctx.x.reads,
                "replying": ctx.x.replier is not None,
                **cursors.health(session, source="x", prices=prices, now=ctx.clock.now()),
            }
        except Exception as exc:  # report, never raise
            sources["x"] = {"status": "error", "reason": type(exc).__name__}
    return sources
