"""Group commit for ingest: requests hand their items to one writer thread, which stores everything waiting
in one transaction and answers each request once that transaction has committed.

One commit for many requests keeps SQLite's single write lock (and PostgreSQL's WAL flushes) off the hot
path; a request still gets its 202 only after its case is durable. If a combined transaction fails, the
requests are retried one by one so a bad one cannot fail its neighbours.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import Future

from sqlalchemy.orm import Session, sessionmaker

from bot.clock import Clock
from bot.db import transaction
from bot.errors import Unavailable
from bot.intake.ingest import Accepted, ingest
from bot.schemas import MentionIn, TicketIn

log = logging.getLogger(__name__)
Item = MentionIn | TicketIn


class IngestWriter:
    def __init__(
        self,
        *,
        session_factory: sessionmaker[Session],
        clock: Clock,
        on_commit: Callable[[], None] | None = None,
        max_items: int = 500,
    ) -> None:
        self.session_factory, self.clock, self.on_commit, self.max_items = session_factory, clock, on_commit, max_items
        self._queue: queue.Queue[tuple[Sequence[Item], Future[list[Accepted]]] | None] = queue.Queue()
        self._thread = threading.Thread(target=self._run, name="rrbot-ingest-writer", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        if self._thread.is_alive():
            self._queue.put(None)
            self._thread.join(timeout=10)

    def submit(self, items: Sequence[Item], timeout: float = 30.0) -> list[Accepted]:
        """Store the items; returns once they are committed (raises what the store raised)."""
        if not self._thread.is_alive():
            raise Unavailable("the service is starting or stopping; retry shortly")
        future: Future[list[Accepted]] = Future()
        self._queue.put((items, future))
        return future.result(timeout=timeout)

    def _take(self) -> tuple[list[tuple[Sequence[Item], Future[list[Accepted]]]], bool]:
        first = self._queue.get()
        if first is None:
            return [], True
        batch, count = [first], len(first[0])
        while count < self.max_items:
            try:
                nxt = self._queue.get_nowait()
            except queue.Empty:
                break
            if nxt is None:
                return batch, True
            batch.append(nxt)
            count += len(nxt[0])
        return batch, False

    def _run(self) -> None:
        while True:
            batch, closing = self._take()
            if batch:
                self._store(batch)
            if closing:
                return

    def _store(self, batch: list[tuple[Sequence[Item], Future[list[Accepted]]]]) -> None:
        created = False
        try:
            with transaction(self.session_factory) as session:
                now = self.clock.now()
                flat = ingest(session, items=[item for items, _ in batch for item in items], now=now)
            start = 0
            for items, future in batch:
                result = flat[start : start + len(items)]
                start += len(items)
                future.set_result(result)
                created = created or any(not r.duplicate for r in result)
        except Exception as exc:
            if len(batch) == 1:
                batch[0][1].set_exception(exc)
                return
            log.warning("combined ingest of %d requests failed; storing them one by one", len(batch))
            for one in batch:
                self._store([one])
            return
        if created and self.on_commit:
            self.on_commit()
