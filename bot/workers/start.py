"""Start this process's workers under `ctx.supervisor` (`ctx.supervisor.stop_all()` stops them)."""

from __future__ import annotations

import logging
import threading
from collections.abc import Collection

from bot.context import AppContext
from bot.db import INGEST_CHANNEL, OUTBOX_CHANNEL, transaction
from bot.escalation.notices import notifier
from bot.outbox import wake
from bot.outbox.rows import release_claims as release_outbox_claims
from bot.sources.x.connect import XConnector
from bot.triage.claims import release_all_claims
from bot.workers.classification import ClassificationWorker
from bot.workers.outbox import OutboxDispatcher
from bot.workers.scheduler import Scheduler
from bot.workers.wakeups import WakeListener
from bot.workers.x_poller import XPoller

log = logging.getLogger(__name__)


def _release_after_crash(ctx: AppContext) -> None:
    """SQLite runs one process: claims a killed predecessor held go back to the queue at start."""
    if not ctx.settings.is_sqlite:
        return
    with transaction(ctx.session_factory) as session:
        cases, rows = release_all_claims(session), release_outbox_claims(session)
    if cases or rows:
        log.warning("released %d cases and %d outbox rows claimed before a crash", cases, rows)


def _start_classifier(ctx: AppContext) -> None:
    """Waits for the model (it loads in the background), then starts the classification worker."""
    ctx.model.ready.wait()
    loaded = ctx.model.loaded
    if loaded is None:
        log.error("classification worker not started: %s", ctx.model.error)
        return
    settings = ctx.settings
    worker = ClassificationWorker(
        session_factory=ctx.session_factory,
        predict=loaded.batcher.predict,
        triage=loaded.triage,
        clock=ctx.clock,
        owner=ctx.owner,
        model_version=loaded.version,
        batch_size=settings.worker_batch_size,
        poll_seconds=settings.worker_poll_seconds,
        lease_seconds=settings.claim_seconds,
        repeat_window_hours=settings.repeat_window_hours,
        observe_latency=ctx.metrics.classification_latency.observe,
    )
    if ctx.supervisor.run(worker, on_ingest=worker.wake):
        worker.wake()


def _x_poller(ctx: AppContext, x: XConnector) -> XPoller:
    alert = notifier(ctx.session_factory, ctx.clock, ctx.settings.escalation_channel, topic="x-degraded")
    return XPoller(
        client=x.client,
        account=x.account,
        session_factory=ctx.session_factory,
        clock=ctx.clock,
        submit=ctx.ingest.submit,
        alert=alert,
        poll_seconds=ctx.settings.x_poll_seconds,
        search_query=ctx.settings.x_search_query,
        owner=ctx.owner,
    )


ROLES = ("classify", "outbox", "scheduler", "x")  # what `rrbot worker --only` may pick


def start_workers(ctx: AppContext, roles: Collection[str] = ROLES) -> None:
    """Start the workers of `roles` (all by default). On PostgreSQL any number of processes may run any of
    them: cases and outbox rows are claimed with SKIP LOCKED and a lease, scheduled jobs and the X poller run
    under a lease, so each piece of work is done once."""
    _release_after_crash(ctx)
    wakeups = {INGEST_CHANNEL: ctx.supervisor.notify_ingest}
    if "outbox" in roles:
        dispatcher = OutboxDispatcher(
            session_factory=ctx.session_factory, deliverers=ctx.deliverers, clock=ctx.clock, owner=ctx.owner
        )
        wake.install(ctx.session_factory, dispatcher.wake)
        ctx.supervisor.run(dispatcher)
        wakeups[OUTBOX_CHANNEL] = dispatcher.wake
    if not ctx.settings.is_sqlite:  # other processes' commits wake this one's workers
        ctx.supervisor.run(WakeListener(ctx.engine, wakeups))
    if "scheduler" in roles and ctx.settings.slack_enabled:
        ctx.supervisor.run(Scheduler(ctx))
    if "x" in roles and ctx.x is not None and ctx.x.reads:
        ctx.supervisor.run(_x_poller(ctx, ctx.x))
    if "classify" in roles:
        threading.Thread(target=_start_classifier, args=(ctx,), name="rrbot-classifier-start", daemon=True).start()
