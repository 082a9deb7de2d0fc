"""What a deliverer raises when it cannot deliver: one exception type with a typed code.

`DeliveryError(code, reason)`: the dispatcher retries transient codes (and unexpected bugs) with backoff, fails
the rest at once, and parks `NO_CONNECTOR` rows as `waiting`. `RetryLater` and `DeliveryFailed` are the two
shapes deliverers use most.
"""

from __future__ import annotations

from bot.enums import DeliveryCode


class Deferred(Exception):  # noqa: N818 - not an error: the row simply goes later
    """Not now, and not a failure: the channel's next slot is `seconds` away (pacing). The row waits that long
    without counting an attempt, and the dispatcher goes on with other rows, so one busy channel holds up
    nothing else."""

    def __init__(self, seconds: float) -> None:
        super().__init__(f"deferred {seconds:.2f}s")
        self.seconds = seconds


class DeliveryError(Exception):
    def __init__(self, code: DeliveryCode, reason: str, *, after_seconds: float | None = None) -> None:
        super().__init__(f"{code}: {reason}")
        self.code, self.reason, self.after_seconds = code, reason, after_seconds

    @property
    def retry(self) -> bool:
        return self.code.transient or self.code is DeliveryCode.INTERNAL


class RetryLater(DeliveryError):
    """Transient (platform down, 5xx, 429): try again after `after_seconds` or the backoff."""

    def __init__(
        self, reason: str, after_seconds: float | None = None, *, code: DeliveryCode = DeliveryCode.UNAVAILABLE
    ) -> None:
        super().__init__(code, reason, after_seconds=after_seconds)


class DeliveryFailed(DeliveryError):
    """Permanent: retrying cannot help (channel_not_found, the card is gone, nowhere to send it)."""

    def __init__(self, reason: str, *, code: DeliveryCode = DeliveryCode.REJECTED) -> None:
        super().__init__(code, reason)


class NoConnector(DeliveryError):
    """No connector for this row is configured: it waits (status `waiting`) until one is."""

    def __init__(self, connector: str, reason: str) -> None:
        super().__init__(DeliveryCode.NO_CONNECTOR, reason)
        self.connector = connector
