"""Wire Slack into the app (called by the app factory): its outbox deliverer and the /slack/events route.
With no SLACK_BOT_TOKEN / SLACK_SIGNING_SECRET neither exists, and escalations wait for the "slack"
connector, visible in the API, the web UI and the log."""

from __future__ import annotations

import logging
from collections.abc import Sequence

from fastapi import FastAPI
from sqlalchemy.orm import Session, sessionmaker

from bot.clock import Clock
from bot.context import AppContext
from bot.settings import Settings
from bot.slack.app import SocketConnection, build_app, router
from bot.slack.deliverer import SlackDeliverer
from bot.slack.flows import Flows
from playbooks.schema import Playbook

log = logging.getLogger(__name__)


def deliverers(
    settings: Settings, *, session_factory: sessionmaker[Session], clock: Clock, playbooks: Sequence[Playbook]
) -> tuple[SlackDeliverer, ...]:
    if not settings.slack_enabled:
        log.info("Slack is off (SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET unset): escalations stay in the queue")
        return ()
    books = {b.business: b for b in playbooks}
    return (SlackDeliverer(settings=settings, session_factory=session_factory, playbooks=books, clock=clock),)


def install_routes(app: FastAPI, ctx: AppContext) -> SocketConnection | None:
    """Mount POST /slack/events when a signing secret is set; return the Socket Mode connection to open for the
    app's life when SLACK_APP_TOKEN is set (the app factory opens and closes it)."""
    settings = ctx.settings
    if not settings.slack_enabled:
        return None
    books = {b.business: b for b in ctx.playbooks}
    flows = Flows(session_factory=ctx.session_factory, clock=ctx.clock, playbooks=books)
    bolt = build_app(settings, flows, ctx.metrics)
    if settings.slack_signing_secret is not None:
        app.include_router(router(bolt, settings))
    log.info(
        "Slack is on: Web API at %s; events by %s",
        settings.slack_api_url,
        " and ".join(
            w for w, on in (("HTTP", settings.slack_signing_secret), ("Socket Mode", settings.slack_app_token)) if on
        ),
    )
    return SocketConnection(bolt, settings) if settings.slack_app_token is not None else None
