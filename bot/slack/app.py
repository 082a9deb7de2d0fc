"""The Bolt AsyncApp, its FastAPI route at POST /slack/events, and its Socket Mode connection."""

from __future__ import annotations

import asyncio
import contextlib
import logging

from fastapi import APIRouter, Request, Response
from slack_bolt.adapter.fastapi.async_handler import AsyncSlackRequestHandler
from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler
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
    """The Bolt app. Without a signing secret it serves Socket Mode only (no HTTP route checks signatures)."""
    secret = settings.slack_signing_secret
    app = AsyncApp(
        client=async_web_client(settings),
        signing_secret=secret.get_secret_value() if secret else None,
        request_verification_enabled=secret is not None,
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


class SocketConnection:
    """Slack's events and clicks over a WebSocket the service opens (`SLACK_APP_TOKEN`), for a service Slack
    cannot reach by HTTP. The URL comes from apps.connections.open at `RRBOT_SLACK_API_URL`. Opening it is
    retried with backoff in the background, so Slack being down never stops the service from starting; once
    open, the SDK reconnects on its own."""

    def __init__(self, app: AsyncApp, settings: Settings) -> None:
        assert settings.slack_app_token is not None
        self.app, self.token = app, settings.slack_app_token
        self.handler: AsyncSocketModeHandler | None = None
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        """Within the app's event loop (the SDK's aiohttp session is bound to it)."""
        handler = AsyncSocketModeHandler(self.app, self.token.get_secret_value(), logger=self.app.logger)
        self.handler = handler
        self._task = asyncio.create_task(self._connect(handler), name="rrbot-slack-socket")

    async def _connect(self, handler: AsyncSocketModeHandler) -> None:
        delay = 1.0
        while True:
            try:
                await handler.connect_async()  # type: ignore[no-untyped-call]
                log.info("Slack Socket Mode connected")
                return
            except Exception as exc:  # any failure to open: try again later, never crash the service
                log.warning("Slack Socket Mode could not connect (%s); retrying in %.0fs", type(exc).__name__, delay)
                await asyncio.sleep(delay)
                delay = min(delay * 2, 60.0)

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        if self.handler is not None:
            await self.handler.close_async()  # type: ignore[no-untyped-call]
