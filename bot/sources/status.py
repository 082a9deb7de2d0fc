"""Each connected source's health and this month's usage and cost, as /readyz and the web pages show it."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from bot.context import AppContext
from bot.enums import OutboxKind, OutboxStatus
from bot.models import Case, Outbox
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
    for name, receiving, replying in (
        ("zendesk", settings.zendesk_webhook_secret is not None, settings.zendesk_replies_enabled),
        ("freshdesk", settings.freshdesk_webhook_secret is not None, settings.freshdesk_replies_enabled),
    ):
        if receiving or replying:
            try:
                sources[name] = {"webhook": receiving, "replying": replying, **_desk_health(session, name)}
            except Exception as exc:  # report, never raise
                sources[name] = {"status": "error", "reason": type(exc).__name__}
    return sources


def _desk_health(session: Session, source: str) -> dict[str, Any]:
    """A webhook source: when it last sent us a ticket, and how its replies went (failed ones say why)."""
    last = session.execute(sa.select(sa.func.max(Case.received_at)).where(Case.source == source)).scalar()
    counts = dict(
        session.execute(
            sa.select(Outbox.status, sa.func.count())
            .where(Outbox.kind == OutboxKind.REPLY, Outbox.channel == source)
            .group_by(Outbox.status)
        ).all()
    )
    latest = session.execute(  # the last reply that ended: a failure there means replies are failing now
        sa.select(Outbox.status, Outbox.last_error)
        .where(
            Outbox.kind == OutboxKind.REPLY,
            Outbox.channel == source,
            Outbox.status.in_((OutboxStatus.POSTED, OutboxStatus.FAILED)),
        )
        .order_by(Outbox.id.desc())
        .limit(1)
    ).first()
    failing = latest is not None and latest.status == OutboxStatus.FAILED
    return {
        "status": "error" if failing else "ok",
        "last_received_at": last.isoformat() if last else None,
        "replies": {str(k): int(v) for k, v in counts.items()},
        "last_error": latest.last_error if failing and latest is not None else None,
    }
