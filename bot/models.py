"""Tables. The database is the source of truth and the work queue (see ARCHITECTURE.md)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any, cast

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from bot.enums import CaseStatus, OutboxStatus


class UTCDateTime(sa.types.TypeDecorator[datetime]):
    """Stores aware datetimes as UTC and always gives them back aware (SQLite forgets the zone)."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: sa.Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: sa.Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


JSONType = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def new_id() -> str:
    return uuid.uuid4().hex


class Base(DeclarativeBase):
    type_annotation_map = {datetime: UTCDateTime, dict[str, Any]: JSONType, list[Any]: JSONType}


def table_of(model: type[Base]) -> sa.Table:
    """The Core table of a mapped class (typed, for bulk statements)."""
    return cast(sa.Table, model.__table__)


class Case(Base):
    """A mention or a ticket, unique per (source, external_id)."""

    __tablename__ = "cases"
    __table_args__ = (
        sa.UniqueConstraint("source", "external_id", name="uq_cases_source_external_id"),
        sa.Index("ix_cases_queue", "urgency_rank", "created_at", "id"),
        sa.Index("ix_cases_pending", "classified_at", "received_at"),
        sa.Index("ix_cases_author", "author_key", "created_at"),
        sa.Index("ix_cases_source_received", "source", "received_at"),  # a source's last arrival (/readyz)
    )

    id: Mapped[str] = mapped_column(sa.String(32), primary_key=True, default=new_id)
    kind: Mapped[str] = mapped_column(sa.String(16))  # mention | ticket
    source: Mapped[str] = mapped_column(sa.String(64))
    external_id: Mapped[str] = mapped_column(sa.String(256))
    text: Mapped[str] = mapped_column(sa.Text)
    subject: Mapped[str | None] = mapped_column(sa.String(1000))
    person: Mapped[dict[str, Any]] = mapped_column(default=dict)  # author (mention) or requester (ticket)
    author_key: Mapped[str | None] = mapped_column(sa.String(320))  # handle or email, lower-cased
    extra: Mapped[dict[str, Any]] = mapped_column(default=dict)  # url, lang, in_reply_to, metrics, priority
    created_at: Mapped[datetime]
    received_at: Mapped[datetime]
    status: Mapped[str] = mapped_column(sa.String(16), default=CaseStatus.NEW)  # a CaseStatus

    # classification work queue
    classified_at: Mapped[datetime | None]
    claimed_by: Mapped[str | None] = mapped_column(sa.String(64))
    claimed_until: Mapped[datetime | None]
    attempts: Mapped[int] = mapped_column(default=0)

    # denormalised triage fields for the queue (the classification row has the detail)
    urgency_rank: Mapped[int] = mapped_column(default=0)  # 0 until classified, then 1..4
    category: Mapped[str | None] = mapped_column(sa.String(128))
    playbook: Mapped[str | None] = mapped_column(sa.String(128))
    ack_due_at: Mapped[datetime | None]  # the playbook targets, from the post's own created_at
    reply_due_at: Mapped[datetime | None]
    late_minutes: Mapped[int | None]  # late on arrival: minutes from the post to us, beyond its ack target
    resolve_due_at: Mapped[datetime | None]
    acked_at: Mapped[datetime | None]
    resolved_at: Mapped[datetime | None]
    snoozed_until: Mapped[datetime | None]
    risk: Mapped[str | None] = mapped_column(sa.String(32))  # the serious risk the case is routed by, if any
    owner: Mapped[str | None] = mapped_column(sa.String(128))  # who the playbook routes it to (mention or channel)
    assignee: Mapped[str | None] = mapped_column(sa.String(128), index=True)  # the person working it

    classification: Mapped[CaseClassification | None] = relationship(
        back_populates="case", uselist=False, lazy="joined"
    )


class CaseClassification(Base):
    __tablename__ = "classifications"

    case_id: Mapped[str] = mapped_column(sa.ForeignKey("cases.id", ondelete="CASCADE"), primary_key=True)
    model_version: Mapped[str] = mapped_column(sa.String(64))
    sentiment: Mapped[str] = mapped_column(sa.String(16))
    is_complaint: Mapped[bool]
    urgency: Mapped[str] = mapped_column(sa.String(16))
    urgency_score: Mapped[float]
    category: Mapped[str | None] = mapped_column(sa.String(128))
    category_score: Mapped[float]
    data: Mapped[dict[str, Any]]  # the contract's Classification JSON
    created_at: Mapped[datetime]

    case: Mapped[Case] = relationship(back_populates="classification")


class TimelineEvent(Base):
    """Append-only history of a case: status and metrics are read from here."""

    __tablename__ = "timeline_events"
    __table_args__ = (sa.Index("ix_timeline_case", "case_id", "at"), sa.Index("ix_timeline_type_at", "type", "at"))

    id: Mapped[int] = mapped_column(sa.BigInteger().with_variant(sa.Integer(), "sqlite"), primary_key=True)
    case_id: Mapped[str] = mapped_column(sa.ForeignKey("cases.id", ondelete="CASCADE"))
    type: Mapped[str] = mapped_column(sa.String(32))
    at: Mapped[datetime]
    actor: Mapped[str | None] = mapped_column(sa.String(128))
    data: Mapped[dict[str, Any] | None] = mapped_column(JSONType)


class Outbox(Base):
    """A side effect to deliver (Slack post, reply to a source), written with the state change."""

    __tablename__ = "outbox"
    __table_args__ = (
        sa.UniqueConstraint("dedupe_key", name="uq_outbox_dedupe_key"),
        sa.Index("ix_outbox_due", "status", "next_attempt_at"),
        sa.Index("ix_outbox_case", "case_id"),
    )

    id: Mapped[int] = mapped_column(sa.BigInteger().with_variant(sa.Integer(), "sqlite"), primary_key=True)
    case_id: Mapped[str | None] = mapped_column(sa.ForeignKey("cases.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(sa.String(32))  # an OutboxKind
    channel: Mapped[str | None] = mapped_column(sa.String(128))
    payload: Mapped[dict[str, Any]] = mapped_column(default=dict)
    dedupe_key: Mapped[str] = mapped_column(sa.String(255))
    status: Mapped[str] = mapped_column(sa.String(16), default=OutboxStatus.PENDING)  # an OutboxStatus
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime]
    claimed_by: Mapped[str | None] = mapped_column(sa.String(64))
    claimed_until: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(sa.String(1000))
    error_code: Mapped[str | None] = mapped_column(sa.String(32))  # a DeliveryCode
    waiting_for: Mapped[str | None] = mapped_column(sa.String(64))  # the connector a `waiting` row needs
    result: Mapped[dict[str, Any] | None] = mapped_column(JSONType)  # e.g. {"channel": ..., "ts": ...}
    created_at: Mapped[datetime]
    delivered_at: Mapped[datetime | None]


class SourceCursor(Base):
    """Where a polled source stands: the newest id seen (so restarts neither miss nor repeat), its health and
    its usage this month. One row per (source, stream), e.g. ("x", "mentions:12345")."""

    __tablename__ = "source_cursors"

    source: Mapped[str] = mapped_column(sa.String(32), primary_key=True)
    stream: Mapped[str] = mapped_column(sa.String(128), primary_key=True)
    since_id: Mapped[str | None] = mapped_column(sa.String(64))
    last_ok_at: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(sa.String(500))
    error_count: Mapped[int] = mapped_column(default=0)
    paused_until: Mapped[datetime | None]  # rate limited: the next poll waits until then
    degraded: Mapped[bool] = mapped_column(default=False)  # usage cap or forbidden: told to Slack once
    month: Mapped[str | None] = mapped_column(sa.String(7))  # "2026-11": what the counts below are for
    reads: Mapped[int] = mapped_column(default=0)
    posts: Mapped[int] = mapped_column(default=0)
    updated_at: Mapped[datetime | None]


class Feedback(Base):
    """A person's correction of the model, kept for retraining."""

    __tablename__ = "feedback"

    id: Mapped[int] = mapped_column(sa.BigInteger().with_variant(sa.Integer(), "sqlite"), primary_key=True)
    case_id: Mapped[str] = mapped_column(sa.ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    actor: Mapped[str] = mapped_column(sa.String(128))
    corrections: Mapped[dict[str, Any]]
    text: Mapped[str] = mapped_column(sa.Text)
    created_at: Mapped[datetime]


class ApiToken(Base):
    __tablename__ = "api_tokens"

    id: Mapped[str] = mapped_column(sa.String(32), primary_key=True, default=new_id)
    name: Mapped[str] = mapped_column(sa.String(128))
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)  # sha256 hex of the token
    prefix: Mapped[str] = mapped_column(sa.String(16))  # first characters, to tell tokens apart in lists
    scopes: Mapped[list[Any]]
    created_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None]
    expires_at: Mapped[datetime | None]  # None: until revoked
    last_used_at: Mapped[datetime | None]  # refreshed at most once a minute


class PersonLink(Base):
    """Two identities of one customer (an X handle and a ticket email, say), linked by a person: their cases show
    as one story. Stored once per pair, the smaller key first."""

    __tablename__ = "person_links"

    a_key: Mapped[str] = mapped_column(sa.String(320), primary_key=True)
    b_key: Mapped[str] = mapped_column(sa.String(320), primary_key=True, index=True)
    actor: Mapped[str] = mapped_column(sa.String(128))
    created_at: Mapped[datetime]


class WebSession(Base):
    """A browser login: the cookie holds a random id (its SHA-256 is stored here), never the API token."""

    __tablename__ = "web_sessions"

    id_hash: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    token_id: Mapped[str] = mapped_column(sa.ForeignKey("api_tokens.id", ondelete="CASCADE"), index=True)
    csrf: Mapped[str] = mapped_column(sa.String(64))
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime] = mapped_column(index=True)


class Lease(Base):
    """One row per scheduled job: the replica holding an unexpired lease runs the tick."""

    __tablename__ = "leases"

    name: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    owner: Mapped[str] = mapped_column(sa.String(64))
    expires_at: Mapped[datetime]


# --- Slack (issue #4) -------------------------------------------------------------------------------------------


class SlackCard(Base):
    """One Slack message showing one case, or a theme of similar cases (a flood) on one card."""

    __tablename__ = "slack_cards"
    __table_args__ = (sa.Index("ix_slack_cards_theme", "channel", "playbook", "category", "created_at"),)

    id: Mapped[int] = mapped_column(sa.BigInteger().with_variant(sa.Integer(), "sqlite"), primary_key=True)
    root_case_id: Mapped[str] = mapped_column(sa.ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    channel: Mapped[str] = mapped_column(sa.String(128))
    ts: Mapped[str] = mapped_column(sa.String(32))
    playbook: Mapped[str | None] = mapped_column(sa.String(128))
    category: Mapped[str | None] = mapped_column(sa.String(128))
    mention: Mapped[str | None] = mapped_column(sa.String(64))
    chain: Mapped[list[Any]] = mapped_column(default=list)
    case_count: Mapped[int] = mapped_column(default=1)
    reping_level: Mapped[int] = mapped_column(default=0)  # how many steps of the chain were pinged
    synced_event_id: Mapped[int] = mapped_column(sa.BigInteger(), default=0)  # timeline cursor for the thread
    created_at: Mapped[datetime]
    last_case_at: Mapped[datetime]


class SlackCardCase(Base):
    """Which card shows a case (a flood card shows many)."""

    __tablename__ = "slack_card_cases"

    case_id: Mapped[str] = mapped_column(sa.ForeignKey("cases.id", ondelete="CASCADE"), primary_key=True)
    card_id: Mapped[int] = mapped_column(sa.ForeignKey("slack_cards.id", ondelete="CASCADE"), index=True)
    attached_at: Mapped[datetime]


class SlackSeen(Base):
    """Keys of Slack deliveries already handled (event ids, view submissions): retries do nothing twice."""

    __tablename__ = "slack_seen"

    key: Mapped[str] = mapped_column(sa.String(255), primary_key=True)
    at: Mapped[datetime] = mapped_column(index=True)


class SlackAgent(Base):
    """A Slack user as an agent: the same person in the API, the timeline and Slack."""

    __tablename__ = "slack_agents"

    user_id: Mapped[str] = mapped_column(sa.String(32), primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(128))
    updated_at: Mapped[datetime]


class SlackReminder(Base):
    """A team-wide reminder sent from a case's card."""

    __tablename__ = "slack_reminders"

    id: Mapped[int] = mapped_column(sa.BigInteger().with_variant(sa.Integer(), "sqlite"), primary_key=True)
    case_id: Mapped[str] = mapped_column(sa.ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    text: Mapped[str] = mapped_column(sa.Text)
    channels: Mapped[list[Any]]
    actor: Mapped[str] = mapped_column(sa.String(128))
    created_at: Mapped[datetime]


class SlackReminderConfirmation(Base):
    """A "Got it" on a reminder: one per person."""

    __tablename__ = "slack_reminder_confirmations"

    reminder_id: Mapped[int] = mapped_column(sa.ForeignKey("slack_reminders.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[str] = mapped_column(sa.String(32), primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(128))
    at: Mapped[datetime]
