"""About one message per second per channel (Slack's limit for chat.postMessage): the deliverer takes the
channel's slot, or defers the row to it (`bot.outbox.errors.Deferred`) so other channels and more urgent rows
go first, instead of being answered 429."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable


class ChannelPacer:
    def __init__(self, interval: float = 1.0, *, clock: Callable[[], float] = time.monotonic) -> None:
        self.interval, self._clock = interval, clock
        self._next: dict[str, float] = {}
        self._lock = threading.Lock()

    def try_reserve(self, channel: str) -> float:
        """Book the channel's slot if it is free now (returns 0); else book nothing and return the wait."""
        with self._lock:
            now = self._clock()
            slot = self._next.get(channel, 0.0)
            if slot > now:
                return slot - now
            self._next[channel] = now + self.interval
            return 0.0
