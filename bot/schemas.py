"""Request and response bodies of the HTTP API (the contract's Mention, Ticket, ...)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, StringConstraints, field_validator

from bot.enums import RiskType, UrgencyLevel

Source = Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^[A-Za-z0-9_.-]{1,64}$")]
ExternalId = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=256)]
Url = Annotated[str, StringConstraints(max_length=2048, pattern=r"^https?://\S+$")]


def _check_created_at(value: datetime) -> datetime:
    """Static checks only; "not in the future" needs the service's clock (`bot.intake.ingest.check_times`)."""
    value = value.astimezone(UTC)
    if value.year < 2000:
        raise ValueError("created_at is before the year 2000")
    return value


def _not_blank(value: str) -> str:
    if not value.strip():
        raise ValueError("must not be empty or only whitespace")
    return value


class _In(BaseModel):
    model_config = ConfigDict(extra="ignore", str_max_length=100_000)

    @field_validator("*", mode="after")
    @classmethod
    def _no_nul(cls, value: Any) -> Any:
        """PostgreSQL cannot store NUL in text; it is never meaningful in a post or a ticket."""
        if isinstance(value, str) and "\x00" in value:
            raise ValueError("must not contain NUL (\\u0000) characters")
        return value


class Author(_In):
    handle: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=256)]
    name: Annotated[str, StringConstraints(max_length=256)] | None = None
    followers: Annotated[int, Field(ge=0, le=10_000_000_000)] | None = None  # more than anyone on earth: wrong
    verified: bool | None = None


class Metrics(_In):
    likes: Annotated[int, Field(ge=0, le=10**12)] = 0
    reposts: Annotated[int, Field(ge=0, le=10**12)] = 0
    replies: Annotated[int, Field(ge=0, le=10**12)] = 0


class MentionIn(_In):
    source: Source
    external_id: ExternalId
    text: Annotated[str, Field(min_length=1, max_length=10_000)]
    created_at: AwareDatetime
    author: Author
    url: Url | None = None
    lang: Annotated[str, StringConstraints(max_length=16)] | None = None
    in_reply_to: Annotated[str, StringConstraints(max_length=256)] | None = None
    metrics: Metrics | None = None
    summoned: bool | None = None  # False: found by listening, not addressed to us (no automated replies on X)

    _text = field_validator("text")(_not_blank)
    _created = field_validator("created_at")(_check_created_at)


class Requester(_In):
    email: Annotated[str, StringConstraints(max_length=320, pattern=r"^[^@\s]+@[^@\s]+$")] | None = None
    name: Annotated[str, StringConstraints(max_length=256)] | None = None
    tier: Annotated[str, StringConstraints(max_length=64)] | None = None


class TicketIn(_In):
    source: Source
    external_id: ExternalId
    body: Annotated[str, Field(min_length=1, max_length=50_000)]
    created_at: AwareDatetime
    requester: Requester = Field(default_factory=Requester)
    subject: Annotated[str, StringConstraints(max_length=1000)] | None = None
    url: Url | None = None
    priority: Annotated[str, StringConstraints(max_length=32)] | None = None
    thread_id: ExternalId | None = None  # the ticket a comment belongs to, when external_id names the comment

    _body = field_validator("body")(_not_blank)
    _created = field_validator("created_at")(_check_created_at)


class IngestResult(BaseModel):
    case_id: str
    duplicate: bool


class BatchIn(BaseModel):
    items: Annotated[list[Any], Field(max_length=500)]


class ReplyIn(_In):
    model_config = ConfigDict(extra="forbid")
    text: Annotated[str, Field(min_length=1, max_length=10_000)]
    send: bool = False

    _text = field_validator("text")(_not_blank)


class AssignIn(_In):
    model_config = ConfigDict(extra="forbid")
    assignee: Annotated[str, StringConstraints(max_length=128, strip_whitespace=True)] | None = None  # None: nobody


class LinkIn(_In):
    model_config = ConfigDict(extra="forbid")
    person: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=320)]  # handle or email


class SnoozeIn(_In):
    model_config = ConfigDict(extra="forbid")
    minutes: Annotated[int, Field(ge=1, le=7 * 24 * 60)] = 60


class RemindIn(_In):
    model_config = ConfigDict(extra="forbid")
    text: Annotated[str, Field(min_length=1, max_length=3000)]
    channels: Annotated[
        list[Annotated[str, StringConstraints(min_length=1, max_length=128)]], Field(min_length=1, max_length=20)
    ]

    _text = field_validator("text")(_not_blank)


class FeedbackIn(_In):
    model_config = ConfigDict(extra="forbid")
    sentiment: Literal["negative", "neutral", "positive"] | None = None
    urgency: UrgencyLevel | None = None
    category: Annotated[str, StringConstraints(max_length=128)] | None = None
    is_complaint: bool | None = None
    risks: list[RiskType] | None = None  # the risks the text really carries ([] = none): trains the risk head
    note: Annotated[str, StringConstraints(max_length=2000)] | None = None


class ClassifyIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    texts: Annotated[list[Annotated[str, Field(min_length=1, max_length=10_000)]], Field(min_length=1, max_length=256)]

    @field_validator("texts")
    @classmethod
    def _no_blank(cls, value: list[str]) -> list[str]:
        for i, text in enumerate(value):
            if not text.strip():
                raise ValueError(f"texts[{i}] is empty or only whitespace")
        return value
