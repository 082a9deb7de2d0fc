"""The service's vocabularies, each defined once: case statuses, outbox kinds and states, delivery error codes.

Urgency levels and risk types belong to the classifier (`classifiers.types.UrgencyLevel`,
`classifiers.risk_types.RiskType`); they are re-exported here so `bot` code has one place to import from.
Every enum is a `StrEnum`, so members are the very strings stored in the database and sent in JSON.
"""

from __future__ import annotations

from enum import StrEnum

from classifiers.risk_types import RiskType
from classifiers.types import UrgencyLevel

__all__ = ["CaseStatus", "DeliveryCode", "OutboxKind", "OutboxStatus", "RiskType", "UrgencyLevel", "urgency_label"]


class CaseStatus(StrEnum):
    """Where a case stands; it only moves forward (resolve, then reopen, is the one way back)."""

    NEW = "new"
    ACKED = "acked"
    REPLIED = "replied"
    RESOLVED = "resolved"

    @property
    def order(self) -> int:
        return list(CaseStatus).index(self)


OPEN_STATUSES = (CaseStatus.NEW, CaseStatus.ACKED, CaseStatus.REPLIED)


class OutboxKind(StrEnum):
    """What an outbox row delivers. Each kind has one deliverer (see `bot.outbox.Deliverer`)."""

    ESCALATION = "escalation"  # the Slack card of a new escalation (or its flood theme)
    SLACK_UPDATE = "slack_update"  # chat.update of a card after the case changed
    SLACK_THREAD = "slack_thread"  # a line in the card's thread (timeline events, re-pings)
    SLACK_REMINDER = "slack_reminder"  # a team-wide reminder
    SLACK_DIGEST = "slack_digest"  # the scheduled digest
    SLACK_NOTICE = "slack_notice"  # an operational notice (a source degraded), posted once
    REPLY = "reply"  # a reply posted to the customer where they wrote (X, Zendesk, ...)

    @property
    def connector(self) -> str | None:
        """The connector every row of this kind needs; None where it depends on the row (a reply: its source)."""
        return None if self is OutboxKind.REPLY else "slack"


SLACK_KINDS = tuple(kind for kind in OutboxKind if kind.connector == "slack")


class OutboxStatus(StrEnum):
    """Every row ends `posted` (delivered), `failed` with a reason, or `waiting` for a named connector."""

    PENDING = "pending"  # due for delivery (now or after a backoff)
    POSTED = "posted"  # delivered; `result` holds what the platform answered
    FAILED = "failed"  # gave up; `error_code` and `last_error` say why, and the case's timeline shows it
    WAITING = "waiting"  # no connector for it is configured (`waiting_for` names it); resumes when one is


class DeliveryCode(StrEnum):
    """Why a delivery did not happen; `TRANSIENT` codes go back to the queue after an outage."""

    RATE_LIMITED = "rate_limited"  # 429: retried after the platform's Retry-After
    UNAVAILABLE = "unavailable"  # network error, timeout, 5xx: retried with backoff
    REJECTED = "rejected"  # the platform refused it for good (channel_not_found, invalid_auth, ...)
    GONE = "gone"  # what it refers to no longer exists (card, case, reminder)
    MISCONFIGURED = "misconfigured"  # nowhere to send it (no channel)
    NO_CONNECTOR = "no_connector"  # no connector for it is configured: the row waits
    NOT_ALLOWED = "not_allowed"  # policy forbids it (e.g. an automated reply to a post that did not summon us)
    INTERNAL = "internal"  # a bug in a deliverer: retried with backoff, then failed, never retried forever

    @property
    def transient(self) -> bool:
        return self in (DeliveryCode.RATE_LIMITED, DeliveryCode.UNAVAILABLE)


def urgency_label(rank: int | None) -> str:
    """A case's stored urgency rank (0 until classified) as the level's name, or "unclassified"."""
    return UrgencyLevel.from_rank(rank) if rank else "unclassified"
