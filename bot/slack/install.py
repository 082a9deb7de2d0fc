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
from bot.slack.app import build_app, router
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


def install_routes(app: FastAPI, ctx: AppContext) -> None:
    if not ctx.settings.slack_enabled:
        return
    books = {b.business: b for b in ctx.playbooks}
    flows = Flows(session_factory=ctx.session_factory, clock=ctx.clock, playbooks=books)
    app.include_router(router(build_app(ctx.settings, flows, ctx.metrics), ctx.settings))
    log.info("Slack is on: Web API at %s", ctx.settings.slack_api_url)
