"""Wire Slack into the app (called by the app factory): the outbox deliverers and the /slack/events route.
With no SLACK_BOT_TOKEN / SLACK_SIGNING_SECRET nothing is installed and escalations stay pending, visible in
the API, the web UI and the log."""

from __future__ import annotations

import logging

from fastapi import FastAPI

from bot.context import AppContext
from bot.slack.app import build_app, router
from bot.slack.deliverer import KINDS, SlackDeliverer
from bot.slack.flows import Flows
from playbooks.schema import Playbook

log = logging.getLogger(__name__)


def install(app: FastAPI, ctx: AppContext, playbooks: list[Playbook]) -> None:
    settings = ctx.settings
    if not settings.slack_enabled:
        log.info("Slack is off (SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET unset): escalations stay in the queue")
        return
    books = {b.business: b for b in playbooks}
    deliverer = SlackDeliverer(settings=settings, session_factory=ctx.session_factory, playbooks=books, clock=ctx.clock)
    for kind in KINDS:
        ctx.deliverers[kind] = deliverer
    flows = Flows(session_factory=ctx.session_factory, clock=ctx.clock, playbooks=books)
    app.include_router(router(build_app(settings, flows)))
    log.info("Slack is on: Web API at %s", settings.slack_api_url)
