"""Start and stop the in-process workers: classification, outbox dispatch and the scheduler."""

from __future__ import annotations

import logging
import threading

from bot.context import AppContext
from bot.db import transaction
from bot.scheduler import Scheduler
from bot.services import outbox_wake
from bot.services.classification import ClassificationWorker, release_all_claims
from bot.services.outbox import OutboxDispatcher
from bot.services.outbox import release_claims as release_outbox_claims

log = logging.getLogger(__name__)


def start_workers(ctx: AppContext, *, owner: str) -> None:
    settings = ctx.settings

    def start_classifier() -> None:
        ctx.model.ready.wait()
        if ctx.stopping.is_set():
            return
        if ctx.model.error:
            log.error("classification worker not started: %s", ctx.model.error)
            return
        if settings.is_sqlite:
            with transaction(ctx.session_factory) as session:
                released = release_all_claims(session)
            if released:
                log.warning("released %d cases claimed before a crash", released)
        worker = ClassificationWorker(
            session_factory=ctx.session_factory, predict=ctx.model.batcher.predict, triage=ctx.model.triage,
            clock=ctx.clock, owner=owner, model_version=ctx.model.version, batch_size=settings.worker_batch_size,
            poll_seconds=settings.worker_poll_seconds, lease_seconds=settings.claim_seconds,
            repeat_window_hours=settings.repeat_window_hours,
        )
        ctx.workers.append(worker)
        ctx.on_ingest.append(worker.wake)
        worker.start()
        worker.wake()

    if settings.is_sqlite:
        with transaction(ctx.session_factory) as session:
            released = release_outbox_claims(session)
        if released:
            log.warning("released %d outbox rows claimed before a crash", released)
    dispatcher = OutboxDispatcher(
        session_factory=ctx.session_factory, deliverers=ctx.deliverers, clock=ctx.clock, owner=owner,
    )
    ctx.workers.append(dispatcher)
    outbox_wake.install(ctx.session_factory, dispatcher.wake)
    dispatcher.start()
    if settings.slack_enabled:
        scheduler = Scheduler(ctx, owner=owner)
        ctx.workers.append(scheduler)
        scheduler.start()
    threading.Thread(target=start_classifier, name="rrbot-classifier-start", daemon=True).start()


def stop_workers(ctx: AppContext) -> None:
    ctx.stopping.set()
    for worker in reversed(ctx.workers):
        worker.stop()
    ctx.workers.clear()
    ctx.on_ingest.clear()
