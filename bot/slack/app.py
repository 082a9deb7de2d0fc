"""The Bolt AsyncApp and its FastAPI route at POST /slack/events."""

from __future__ import annotations

import logging

from fastapi import APIRouter, Request, Response
from slack_bolt.adapter.fastapi.async_handler import AsyncSlackRequestHandler
from slack_bolt.async_app import AsyncApp

from bot.measure.prometheus import Metrics
from bot.settings import Settings
from bot.slack.client import async_web_client
from bot.slack.flows import Flows
from bot.slack.listeners import register

log = logging.getLogger(__name__)


def build_app(settings: Settings, flows: Flows, metrics: Metrics) -> AsyncApp:
    assert settings.slack_signing_secret is not None
    app = AsyncApp(
        client=async_web_client(settings),
        signing_secret=settings.slack_signing_secret.get_secret_value(),
        logger=logging.getLogger("bot.slack.bolt"),
    )
    register(app, flows, metrics)
    return app


def router(app: AsyncApp) -> APIRouter:
    handler = AsyncSlackRequestHandler(app)
    routes = APIRouter(tags=["slack"])

    @routes.post("/slack/events", include_in_schema=True, summary="Slack events, interactivity and commands")
    async def slack_events(request: Request) -> Response:
        return await handler.handle(request)

    return routes
