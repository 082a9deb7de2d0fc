"""What the app factory wires together and the routers read (one object on app.state)."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from bot.clock import Clock
from bot.services.tokens import TokenVerifier
from bot.settings import Settings


@dataclass
class ModelState:
    """The model loads in the background so /healthz answers at once; /readyz waits for it."""

    ready: threading.Event = field(default_factory=threading.Event)
    error: str | None = None
    engine: Any = None
    batcher: Any = None
    triage: Any = None
    version: str = "unknown"


@dataclass
class AppContext:
    settings: Settings
    engine: Engine
    session_factory: sessionmaker[Session]
    clock: Clock
    verifier: TokenVerifier
    model: ModelState
    workers: list[Any] = field(default_factory=list)
    on_ingest: list[Any] = field(default_factory=list)
    stopping: threading.Event = field(default_factory=threading.Event)
    deliverers: dict[str, Any] = field(default_factory=dict)  # outbox kind -> deliverer
    ingest_writer: Any = None  # bot.services.ingest_writer.IngestWriter, started by the lifespan

    def notify_ingest(self) -> None:
        for callback in self.on_ingest:
            callback()
