"""Wake-ups between processes on PostgreSQL: a transaction that stores cases or outbox rows sends NOTIFY
(`bot.db.announce`), and every worker process LISTENs, so a case ingested by
`rrbot serve` is classified by an `rrbot worker` in milliseconds rather than at its next poll. Polling stays as
the fallback: a lost connection only costs latency, and the listener reconnects with backoff."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Mapping

import psycopg
import sqlalchemy as sa

log = logging.getLogger(__name__)


class WakeListener:
    """LISTENs on PostgreSQL channels and calls each channel's wake-up; start/stop like the other workers."""

    def __init__(self, engine: sa.Engine, wakeups: Mapping[str, Callable[[], None]]) -> None:
        self.dsn = engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
        self.wakeups = dict(wakeups)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="rrbot-wake-listener", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)

    def _run(self) -> None:
        backoff = 1.0
        while not self._stop.is_set():
            try:
                with psycopg.connect(self.dsn, autocommit=True, connect_timeout=5) as conn:
                    for channel in self.wakeups:
                        conn.execute(f"LISTEN {channel}")  # fixed names of our own
                    backoff = 1.0
                    while not self._stop.is_set():
                        for note in conn.notifies(timeout=1.0):
                            self.wakeups.get(note.channel, lambda: None)()
            except psycopg.Error as exc:
                log.warning("wake-up listener lost PostgreSQL (%s); polling meanwhile, retry in %.0fs", exc, backoff)
                self._stop.wait(backoff)
                backoff = min(backoff * 2, 30.0)
