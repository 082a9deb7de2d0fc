"""The long-running workers of one process, started and stopped together, and the ingest wake-up line."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Protocol


class Worker(Protocol):
    def start(self) -> None: ...

    def stop(self) -> None: ...


class Supervisor:
    def __init__(self) -> None:
        self.stopping = threading.Event()
        self._workers: list[Worker] = []
        self._on_ingest: list[Callable[[], None]] = []
        self._lock = threading.Lock()

    @property
    def workers(self) -> tuple[Worker, ...]:
        with self._lock:
            return tuple(self._workers)

    def run(self, worker: Worker, *, on_ingest: Callable[[], None] | None = None) -> bool:
        """Start `worker` unless stopping; `on_ingest` is called after every ingest commit."""
        with self._lock:
            if self.stopping.is_set():
                return False
            self._workers.append(worker)
            if on_ingest is not None:
                self._on_ingest.append(on_ingest)
        worker.start()
        return True

    def notify_ingest(self) -> None:
        with self._lock:
            callbacks = tuple(self._on_ingest)
        for callback in callbacks:
            callback()

    def stop_all(self) -> None:
        self.stopping.set()
        with self._lock:
            workers, self._workers, self._on_ingest = list(self._workers), [], []
        for worker in reversed(workers):
            worker.stop()
