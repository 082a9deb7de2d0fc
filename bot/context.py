"""The application context: everything the app factory wires together, built once (`bot.main.build_context`),
frozen and fully typed. Routers read it from `app.state.ctx`; workers get it when they start."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from bot.access.tokens import TokenVerifier
from bot.clock import Clock
from bot.measure.prometheus import Metrics
from bot.settings import Settings
from bot.sources.x.connect import XConnector
from bot.workers.ingest_writer import IngestWriter
from bot.workers.outbox import Deliverer
from bot.workers.supervisor import Supervisor
from classifiers import Batcher
from classifiers import Engine as ModelEngine
from playbooks.schema import Playbook
from playbooks.triage import Triage


@dataclass
class LoadedModel:
    engine: ModelEngine
    batcher: Batcher
    triage: Triage
    version: str


@dataclass
class ModelState:
    """The model loads in the background so /healthz answers at once; /readyz waits for `ready`.

    Exactly one of `loaded` and `error` is set once `ready` is.
    """

    ready: threading.Event = field(default_factory=threading.Event)
    loaded: LoadedModel | None = None
    error: str | None = None

    @property
    def version(self) -> str:
        return self.loaded.version if self.loaded else "unknown"


@dataclass(frozen=True)
class AppContext:
    settings: Settings
    engine: Engine
    session_factory: sessionmaker[Session]
    clock: Clock
    verifier: TokenVerifier
    playbooks: tuple[Playbook, ...]
    model: ModelState
    deliverers: tuple[Deliverer, ...]  # each names the outbox kinds it delivers
    supervisor: Supervisor  # the long-running workers of this process
    ingest: IngestWriter  # group-commits accepted mentions and tickets, then wakes the classifier
    metrics: Metrics  # the Prometheus registry served at GET /metrics
    owner: str  # this process's name in leases and claims (host:pid:id)
    x: XConnector | None = None  # the X source and replier, when X credentials are set
