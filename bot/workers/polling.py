"""A background thread that runs `run_once` until it finds nothing to do, then sleeps until woken or polled."""

from __future__ import annotations

import logging
import threading

log = logging.getLogger(__name__)


class PollingWorker:
    """Subclasses implement `run_once() -> int` (how much work was done) and set `thread_name`."""

    thread_name = "rrbot-worker"

    def __init__(self, *, poll_seconds: float) -> None:
        self.poll_seconds = poll_seconds
        self._wake, self._stop = threading.Event(), threading.Event()
        self._thread: threading.Thread | None = None

    def run_once(self) -> int:
        raise NotImplementedError

    def wake(self) -> None:
        self._wake.set()

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                if self.run_once():
                    continue
            except Exception:  # keep the thread alive: leases hand unfinished rows back to the queue
                log.exception("%s: batch failed", self.thread_name)
                self._stop.wait(1.0)
            self._wake.wait(self.poll_seconds)
            self._wake.clear()

    def start(self) -> None:
        thread = threading.Thread(target=self._loop, name=self.thread_name, daemon=True)
        thread.start()
        self._thread = thread  # set after start: stop() may run from another thread at any time

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread:
            self._thread.join(timeout=10)
