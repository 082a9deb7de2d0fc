"""About one message per second per channel (Slack's limit for chat.postMessage): the deliverer waits its
turn instead of being answered 429."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable


class ChannelPacer:
    def __init__(
        self,
        interval: float = 1.0,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.interval, self._clock, self._sleep = interval, clock, sleep
        self._next: dict[str, float] = {}
        self._lock = threading.Lock()

    def reserve(self, channel: str) -> float:
        """Book the channel's next slot; returns how long to wait for it."""
        with self._lock:
            now = self._clock()
            slot = max(now, self._next.get(channel, 0.0))
            self._next[channel] = slot + self.interval
            return slot - now

    def wait(self, channel: str) -> None:
        delay = self.reserve(channel)
        if delay > 0:
            self._sleep(delay)
