"""The Bolt AsyncApp and its FastAPI route at POST /slack/events."""

from __future__ import annotations

import logging

from fastapi import APIRouter, Request, Response
from slack_bolt.adapter.fastapi.async_handler import AsyncSlackRequestHandler
from slack_bolt.async_app import AsyncApp
from slack_sdk.signature import SignatureVerifier

from bot.errors import BadRequest
from bot.measure.prometheus import Metrics
from bot.settings import Settings
from bot.slack import payloads
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


def router(app: AsyncApp, settings: Settings) -> APIRouter:
    assert settings.slack_signing_secret is not None
    handler = AsyncSlackRequestHandler(app)
    verifier = SignatureVerifier(settings.slack_signing_secret.get_secret_value())
    routes = APIRouter(tags=["slack"])

    @routes.post("/slack/events", include_in_schema=True, summary="Slack events, interactivity and commands")
    async def slack_events(request: Request) -> Response:
        body = await request.body()
        # Bolt verifies the signature itself (401); a signed delivery of the wrong shape is refused here, with the
        # field, before Bolt would fail on it
        if verifier.is_valid_request(body, dict(request.headers)):
            try:
                payloads.check(body, request.headers.get("content-type", ""))
            except payloads.MalformedPayload as exc:
                log.warning("malformed Slack delivery refused: %s", exc)
                raise BadRequest("malformed Slack payload", [{"field": exc.field, "reason": exc.reason}]) from exc
        return await handler.handle(request)

    return routes
