"""Scheduled jobs (APScheduler 3.x, in memory, defined here with fixed ids). Each tick first takes a lease in
the `leases` table, so with several replicas exactly one runs it; the jobs keep their state in the database,
so a restart neither repeats nor skips work."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta

from apscheduler.schedulers.background import BackgroundScheduler
from sqlalchemy.orm import Session

from bot.context import AppContext
from bot.db import transaction
from bot.enums import OutboxKind
from bot.escalation import card_sync, repings
from bot.intake import seen
from bot.measure import digest
from bot.outbox.rows import requeue_transient
from bot.workers import leases

log = logging.getLogger(__name__)


def run_leased(ctx: AppContext, *, name: str, owner: str, ttl_seconds: float, work: Callable[..., object]) -> bool:
    """Run `work(session, now=...)` in one transaction if this replica holds the lease `name`."""
    with transaction(ctx.session_factory) as session:
        now = ctx.clock.now()
        if not leases.acquire(session, name=name, owner=owner, now=now, ttl=timedelta(seconds=ttl_seconds)):
            return False
    with transaction(ctx.session_factory) as session:
        work(session, now=ctx.clock.now())
    return True


def _digest(ctx: AppContext) -> Callable[..., object]:
    def work(session: Session, *, now: datetime) -> object:
        return digest.enqueue(session, channel=ctx.settings.digest_channel, now=now)

    return work


def _prune(session: Session, *, now: datetime) -> object:
    return seen.prune(session, now=now)


def _requeue(session: Session, *, now: datetime) -> object:
    return requeue_transient(session, kinds=tuple(OutboxKind), now=now)


def jobs(ctx: AppContext) -> list[tuple[str, Callable[..., object], float]]:
    """(id, work, every seconds)."""
    return [
        ("slack_repings", repings.tick, 15.0),
        ("slack_card_sync", card_sync.sync, 3.0),
        ("slack_digest", _digest(ctx), 600.0),
        ("slack_requeue_failed", _requeue, 300.0),
        ("slack_prune_seen", _prune, 3600.0),
    ]


class Scheduler:
    def __init__(self, ctx: AppContext, *, owner: str | None = None) -> None:
        self.ctx, self.owner = ctx, owner or ctx.owner
        self._scheduler = BackgroundScheduler(timezone="UTC", job_defaults={"coalesce": True, "max_instances": 1})

    def _tick(self, name: str, work: Callable[..., object], every: float) -> None:
        try:
            run_leased(self.ctx, name=name, owner=self.owner, ttl_seconds=max(every * 0.9, 1.0), work=work)
        except Exception:  # a failed tick must not stop the next one
            log.exception("scheduled job %s failed", name)

    def start(self) -> None:
        for name, work, every in jobs(self.ctx):
            self._scheduler.add_job(
                self._tick,
                "interval",
                args=(name, work, every),
                seconds=every,
                id=name,
                name=name,
                replace_existing=True,
                coalesce=True,
                misfire_grace_time=int(every) + 1,
                next_run_time=datetime.now(self._scheduler.timezone) + timedelta(seconds=1),
            )
        self._scheduler.start()

    def stop(self) -> None:
        if self._scheduler.running:
            self._scheduler.shutdown(wait=True)
