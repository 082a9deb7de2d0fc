"""Prometheus metrics (prometheus-client), served at GET /metrics to a manager or admin token.

Totals and queue figures are read from the database at scrape time, so every replica reports the same truth
however many processes share the work; the classification latency histogram is this process's own
(Prometheus sums it across replicas). One registry per app, never the global one.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import datetime

import sqlalchemy as sa
from prometheus_client import CollectorRegistry, Counter, Histogram
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from sqlalchemy.orm import Session, sessionmaker

from bot.clock import Clock, as_utc
from bot.enums import OPEN_STATUSES, OutboxStatus, urgency_label
from bot.models import Case, Outbox, TimelineEvent

LATENCY_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 5.0, 10.0, 30.0, 60.0, 300.0)


class DatabaseCollector(Collector):
    def __init__(self, session_factory: sessionmaker[Session], clock: Clock, connectors: Sequence[str]) -> None:
        self.session_factory, self.clock, self.connectors = session_factory, clock, tuple(connectors)

    def collect(self) -> Iterator[Metric]:
        with self.session_factory() as session:
            yield from self._totals(session)
            yield from self._queue(session)
            yield from self._outbox(session, self.clock.now())
        up = GaugeMetricFamily("rrbot_connector_configured", "1 when the connector is configured", labels=["connector"])
        for name in ("slack", "x", "zendesk", "freshdesk"):
            up.add_metric([name], 1.0 if name in self.connectors else 0.0)
        yield up

    def _totals(self, session: Session) -> Iterator[Metric]:
        cases = session.execute(sa.select(Case.source, sa.func.count()).group_by(Case.source)).all()
        ingested = CounterMetricFamily("rrbot_ingested", "Cases accepted, by source", labels=["source"])
        for source, n in cases:
            ingested.add_metric([source], float(n))
        yield ingested
        events = dict(
            session.execute(
                sa.select(TimelineEvent.type, sa.func.count())
                .where(TimelineEvent.type.in_(["classified", "escalated"]))
                .group_by(TimelineEvent.type)
            ).all()
        )
        yield CounterMetricFamily("rrbot_classified", "Cases classified", value=float(events.get("classified", 0)))
        yield CounterMetricFamily(
            "rrbot_escalated", "Cases escalated to a leader", value=float(events.get("escalated", 0))
        )

    def _queue(self, session: Session) -> Iterator[Metric]:
        depth = GaugeMetricFamily("rrbot_queue_depth", "Open cases, by urgency", labels=["urgency"])
        rows = session.execute(
            sa.select(Case.urgency_rank, sa.func.count())
            .where(Case.status.in_(OPEN_STATUSES))
            .group_by(Case.urgency_rank)
        ).all()
        counts: dict[str, float] = {}
        for rank, n in rows:
            counts[urgency_label(rank)] = counts.get(urgency_label(rank), 0.0) + float(n)
        for label in ("unclassified", "low", "normal", "high", "critical"):
            depth.add_metric([label], counts.get(label, 0.0))
        yield depth

    def _outbox(self, session: Session, now: datetime) -> Iterator[Metric]:
        rows = session.execute(
            sa.select(Outbox.kind, Outbox.status, sa.func.count()).group_by(Outbox.kind, Outbox.status)
        ).all()
        delivered = CounterMetricFamily("rrbot_delivered", "Outbox rows delivered, by kind", labels=["kind"])
        failed = CounterMetricFamily("rrbot_failed", "Outbox rows that failed for good, by kind", labels=["kind"])
        waiting = GaugeMetricFamily("rrbot_outbox_rows", "Outbox rows not delivered yet", labels=["kind", "status"])
        for kind, status, n in rows:
            if status == OutboxStatus.POSTED:
                delivered.add_metric([kind], float(n))
            elif status == OutboxStatus.FAILED:
                failed.add_metric([kind], float(n))
            else:
                waiting.add_metric([kind, status], float(n))
        yield delivered
        yield failed
        yield waiting
        oldest = session.execute(
            sa.select(sa.func.min(Outbox.next_attempt_at)).where(Outbox.status == OutboxStatus.PENDING)
        ).scalar()
        lag = max(0.0, (now - as_utc(oldest)).total_seconds()) if oldest else 0.0
        yield GaugeMetricFamily("rrbot_outbox_lag_seconds", "How late the most overdue pending delivery is", value=lag)


class Metrics:
    """This app's registry: the database collector and the classification latency histogram."""

    def __init__(self, session_factory: sessionmaker[Session], clock: Clock, connectors: Sequence[str]) -> None:
        self.registry = CollectorRegistry()  # no auto-describe: collecting reads the database
        self.registry.register(DatabaseCollector(session_factory, clock, connectors))
        self.classification_latency = Histogram(
            "rrbot_classification_latency_seconds",
            "From a case being received to its classification being stored",
            buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.slack_actions = Counter(
            "rrbot_slack_actions",
            "Slack button clicks and form submissions handled, by action and outcome (ok, refused, failed)",
            ["action", "outcome"],
            registry=self.registry,
        )
