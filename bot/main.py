"""create_app(settings): the FastAPI app; its lifespan runs migrations and starts the workers."""

from __future__ import annotations

import logging
import os
import socket
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from bot import migrate
from bot.api import cases, classify, errors, health, ingest, metrics
from bot.clock import Clock, SystemClock
from bot.context import AppContext, ModelState
from bot.db import create_db_engine, make_session_factory
from bot.runtime import load_model, load_playbooks
from bot.services.ingest_writer import IngestWriter
from bot.services.tokens import TokenVerifier
from bot.settings import Settings
from bot.slack import install as slack_install
from bot.web import pages
from bot.workers import start_workers, stop_workers

log = logging.getLogger(__name__)


def create_app(settings: Settings, *, clock: Clock | None = None) -> FastAPI:
    playbooks = load_playbooks(settings)  # fail at once, with file and line, on a broken playbook
    engine = create_db_engine(settings.database_url)
    factory = make_session_factory(engine)
    ctx = AppContext(
        settings=settings, engine=engine, session_factory=factory, clock=clock or SystemClock(),
        verifier=TokenVerifier(factory, settings.token_cache_seconds), model=ModelState(),
    )
    owner = f"{socket.gethostname()}:{os.getpid()}:{id(ctx):x}"

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        migrate.upgrade(engine)
        ctx.ingest_writer = IngestWriter(session_factory=factory, clock=ctx.clock, on_commit=ctx.notify_ingest)
        loader = threading.Thread(target=load_model, args=(ctx.model, settings, playbooks), daemon=True)
        loader.start()
        if settings.run_workers:
            start_workers(ctx, owner=owner)
        try:
            yield
        finally:
            ctx.ingest_writer.close()
            stop_workers(ctx)
            if ctx.model.batcher is not None:
                ctx.model.batcher.close()
            engine.dispose()

    app = FastAPI(title="Rapid Response Bot", version="0.1.0", lifespan=lifespan)
    app.state.ctx = ctx
    errors.install(app)
    app.add_middleware(errors.RequestLimits, max_body_bytes=settings.max_body_bytes)
    for module in (health, ingest, cases, classify, metrics, pages):
        app.include_router(module.router)
    slack_install.install(app, ctx, playbooks)  # deliverers and POST /slack/events when Slack is configured
    return app
