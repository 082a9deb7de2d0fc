"""create_app(settings): the FastAPI app; its lifespan runs migrations and starts the workers.

`build_context` is the one place the application's parts are built and wired; nothing is added later.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import uuid
from collections.abc import AsyncIterator, Collection, Iterator
from contextlib import asynccontextmanager, contextmanager

from fastapi import FastAPI

from bot import migrate
from bot.access.tokens import TokenVerifier
from bot.api import cases, classify, errors, health, ingest, metrics, prometheus, webhooks
from bot.clock import Clock, SystemClock
from bot.context import AppContext, ModelState
from bot.db import create_db_engine, make_session_factory
from bot.measure.prometheus import Metrics
from bot.runtime import load_model, load_playbooks
from bot.settings import Settings
from bot.slack import install as slack_install
from bot.sources import freshdesk, zendesk
from bot.sources.replies import Replier, ReplyDeliverer
from bot.sources.x.connect import connect as connect_x
from bot.web import app as web
from bot.web.security import SecurityHeaders
from bot.workers.ingest_writer import IngestWriter
from bot.workers.outbox import Deliverer
from bot.workers.start import ROLES, start_workers
from bot.workers.supervisor import Supervisor

log = logging.getLogger(__name__)


def build_context(settings: Settings, *, clock: Clock | None = None) -> AppContext:
    playbooks = tuple(load_playbooks(settings))  # fail at once, with file and line, on a broken playbook
    engine = create_db_engine(settings.database_url)
    factory = make_session_factory(engine)
    clock = clock or SystemClock()
    supervisor = Supervisor()
    x = connect_x(settings)
    desks = {"zendesk": zendesk.replier(settings), "freshdesk": freshdesk.replier(settings)}
    repliers: dict[str, Replier] = {name: r for name, r in desks.items() if r is not None}
    if x and x.replier:
        repliers["x"] = x.replier
    deliverers: tuple[Deliverer, ...] = (
        ReplyDeliverer(repliers),
        *slack_install.deliverers(settings, session_factory=factory, clock=clock, playbooks=playbooks),
    )
    return AppContext(
        settings=settings,
        engine=engine,
        session_factory=factory,
        clock=clock,
        verifier=TokenVerifier(factory, settings.token_cache_seconds, clock),
        playbooks=playbooks,
        model=ModelState(),
        deliverers=deliverers,
        supervisor=supervisor,
        ingest=IngestWriter(session_factory=factory, clock=clock, on_commit=supervisor.notify_ingest),
        metrics=Metrics(factory, clock, connectors=sorted(set().union(*(d.connectors() for d in deliverers)))),
        owner=f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}",
        x=x,
    )


@contextmanager
def running(ctx: AppContext, roles: Collection[str] | None = ROLES) -> Iterator[None]:
    """One process's life: migrate, load the model in the background, start the workers of `roles` (None: no
    workers, an API-only process), and stop everything in order at the end. `rrbot serve` and `rrbot worker`
    both run inside it."""
    migrate.upgrade(ctx.engine)
    ctx.ingest.start()
    loader = threading.Thread(target=load_model, args=(ctx.model, ctx.settings, ctx.playbooks), daemon=True)
    loader.start()
    try:
        if roles:
            start_workers(ctx, roles)
        yield
    finally:
        ctx.ingest.stop()
        ctx.supervisor.stop_all()
        if ctx.model.loaded is not None:
            ctx.model.loaded.batcher.close()
        ctx.engine.dispose()


def create_app(settings: Settings, *, clock: Clock | None = None) -> FastAPI:
    ctx = build_context(settings, clock=clock)
    slack_socket = None

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        with running(ctx, ROLES if settings.run_workers else None):
            if slack_socket is not None:
                await slack_socket.start()  # Slack's events over a WebSocket we open
            try:
                yield
            finally:
                if slack_socket is not None:
                    await slack_socket.stop()

    app = FastAPI(title="Rapid Response Bot", version="0.1.0", lifespan=lifespan)
    app.state.ctx = ctx
    errors.install(app)
    app.add_middleware(errors.RequestLimits, max_body_bytes=settings.max_body_bytes)
    app.add_middleware(SecurityHeaders)
    app.include_router(health.router)
    for module in (ingest, cases, classify, metrics, prometheus, webhooks):
        app.include_router(module.router, responses=errors.RESPONSES)
    web.install(app)
    slack_socket = slack_install.install_routes(app, ctx)  # POST /slack/events and/or Socket Mode
    return app
