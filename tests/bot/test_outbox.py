"""The outbox's promise: every row ends `posted`, `failed` with a typed code and a reason on the case, or
`waiting` for a named connector, and nothing retries forever. The dispatcher runs here against a real
database (SQLite and PostgreSQL) with deliverers that behave like the platforms do."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session, sessionmaker

from bot import migrate
from bot.cases.queries import escalation_view
from bot.clock import FakeClock
from bot.db import create_db_engine, make_session_factory, transaction
from bot.enums import DeliveryCode, OutboxKind, OutboxStatus
from bot.intake.ingest import ingest
from bot.models import Outbox, TimelineEvent
from bot.outbox import rows as outbox
from bot.outbox.errors import Deferred, DeliveryFailed, RetryLater
from bot.schemas import MentionIn
from bot.sources.replies import ReplyDeliverer
from bot.workers.outbox import OutboxDispatcher


@pytest.fixture
def factory(database_url: str) -> Iterator[sessionmaker[Session]]:
    engine = create_db_engine(database_url)
    migrate.upgrade(engine)
    yield make_session_factory(engine)
    engine.dispose()


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(datetime(2026, 3, 2, 9, 0, tzinfo=UTC))


def _case(factory: sessionmaker[Session], clock: FakeClock, source: str = "x") -> str:
    item = MentionIn(
        source=source,
        external_id="1",
        text="the driver threw my parcel over the fence",
        created_at=clock.now(),
        author={"handle": "jane"},
    )
    with transaction(factory) as session:
        return ingest(session, items=[item], now=clock.now())[0].case_id


def _queue(factory: sessionmaker[Session], clock: FakeClock, kind: OutboxKind, case_id: str, **kw: Any) -> int:
    with transaction(factory) as session:
        row = outbox.enqueue(session, kind=kind, key=case_id, now=clock.now(), case_id=case_id, **kw)
        session.flush()
        return row.id


def _row(factory: sessionmaker[Session], row_id: int) -> Outbox:
    with transaction(factory) as session:
        row = session.get(Outbox, row_id)
        assert row is not None
        return row


def _events(factory: sessionmaker[Session], case_id: str, type_: str) -> list[TimelineEvent]:
    with transaction(factory) as session:
        stmt = sa.select(TimelineEvent).where(TimelineEvent.case_id == case_id, TimelineEvent.type == type_)
        return list(session.execute(stmt).scalars())


class Buggy:
    """A deliverer with a bug: raises something that is neither RetryLater nor DeliveryFailed."""

    kinds = frozenset({OutboxKind.ESCALATION})

    def __init__(self) -> None:
        self.calls = 0

    def connectors(self) -> frozenset[str]:
        return frozenset({"slack"})

    def deliver(self, row: Outbox) -> dict[str, Any]:
        self.calls += 1
        return {"ts": row.payload["missing"]}  # KeyError

    def on_delivered(self, session: Session, row: Outbox, now: datetime) -> None:
        raise AssertionError("never delivered")


class Replier:
    def __init__(self) -> None:
        self.posted: list[str] = []

    def post_reply(self, row: Outbox) -> dict[str, Any]:
        self.posted.append(row.payload["text"])
        return {"id": "1790000000000000001", "url": "https://x.com/brand/status/1790000000000000001"}


def _dispatcher(factory: sessionmaker[Session], clock: FakeClock, *deliverers: Any, **kw: Any) -> OutboxDispatcher:
    return OutboxDispatcher(session_factory=factory, deliverers=deliverers, clock=clock, owner="test", **kw)


def test_a_deliverer_bug_is_retried_with_backoff_then_failed_with_a_reason_never_forever(factory, clock):
    case_id = _case(factory, clock)
    row_id = _queue(factory, clock, OutboxKind.ESCALATION, case_id, channel="C1")
    buggy = Buggy()
    dispatcher = _dispatcher(factory, clock, buggy, max_attempts=3)
    for _ in range(10):
        dispatcher.run_once()
        clock.advance(600)
    row = _row(factory, row_id)
    assert buggy.calls == 3
    assert (row.status, row.attempts, row.error_code) == (OutboxStatus.FAILED, 3, DeliveryCode.INTERNAL)
    assert row.last_error == "internal error (KeyError)"
    (failed,) = _events(factory, case_id, "delivery_failed")
    assert failed.data["code"] == "internal" and failed.data["kind"] == "escalation"
    assert dispatcher.run_once() == 0


def test_requeue_after_an_outage_follows_error_codes_not_message_text(factory, clock):
    case_id = _case(factory, clock)
    outcomes = {
        "transient": (DeliveryCode.UNAVAILABLE, "Slack error: 503"),
        "refused": (DeliveryCode.REJECTED, "slack unavailable: the text of a refusal that starts like a retry"),
        "bug": (DeliveryCode.INTERNAL, "internal error (KeyError)"),
        "limited": (DeliveryCode.RATE_LIMITED, "429"),
    }
    ids = {}
    with transaction(factory) as session:
        for name, (code, message) in outcomes.items():
            row = outbox.enqueue(session, kind=OutboxKind.ESCALATION, key=name, now=clock.now(), case_id=case_id)
            row.status, row.error_code, row.last_error = OutboxStatus.FAILED, code, message
            session.flush()
            ids[name] = row.id
    with transaction(factory) as session:
        assert outbox.requeue_transient(session, kinds=tuple(OutboxKind), now=clock.now()) == 2
    status = {name: _row(factory, row_id).status for name, row_id in ids.items()}
    assert status == {"transient": "pending", "refused": "failed", "bug": "failed", "limited": "pending"}


def test_a_reply_with_no_connector_waits_named_and_is_sent_once_one_is_configured(factory, clock):
    case_id = _case(factory, clock, source="x")
    row_id = _queue(factory, clock, OutboxKind.REPLY, case_id, channel="x", payload={"text": "Sorry, DM us"})
    unconfigured = _dispatcher(factory, clock, ReplyDeliverer())
    assert unconfigured.run_once() == 1
    row = _row(factory, row_id)
    assert (row.status, row.waiting_for, row.error_code, row.attempts) == ("waiting", "x", "no_connector", 0)
    (waiting,) = _events(factory, case_id, "delivery_waiting")
    assert waiting.data["connector"] == "x" and "X_ACCESS_TOKEN" in waiting.data["reason"]
    assert unconfigured.run_once() == 0  # a waiting row is not claimed again by a process without the connector

    replier = Replier()
    configured = _dispatcher(factory, clock, ReplyDeliverer({"x": replier}))
    assert configured.run_once() == 1
    row = _row(factory, row_id)
    assert (row.status, row.waiting_for, row.error_code) == ("posted", None, None)
    assert replier.posted == ["Sorry, DM us"]
    (posted,) = _events(factory, case_id, "reply_posted")
    assert posted.data["url"].endswith("/1790000000000000001")
    assert configured.run_once() == 0


def test_rows_no_deliverer_handles_wait_for_their_connector_and_show_it(factory, clock):
    case_id = _case(factory, clock)
    row_id = _queue(factory, clock, OutboxKind.ESCALATION, case_id, channel="C0SAFETY")
    _dispatcher(factory, clock, ReplyDeliverer()).run_once()  # Slack is off in this process
    row = _row(factory, row_id)
    assert (row.status, row.waiting_for) == ("waiting", "slack")
    view = escalation_view(row)  # the contract's Case.escalation keeps its four states
    assert (view["status"], view["waiting_for"], view["error_code"]) == ("pending", "slack", "no_connector")


def test_permanent_refusals_fail_at_once_and_transient_ones_retry_after_the_platforms_delay(factory, clock):
    class Platform:
        kinds = frozenset({OutboxKind.SLACK_REMINDER, OutboxKind.SLACK_DIGEST})

        def connectors(self) -> frozenset[str]:
            return frozenset({"slack"})

        def deliver(self, row: Outbox) -> dict[str, Any]:
            if row.kind == OutboxKind.SLACK_REMINDER:
                raise DeliveryFailed("Slack refused it: channel_not_found")
            raise RetryLater("Slack rate limit (429)", 30, code=DeliveryCode.RATE_LIMITED)

        def on_delivered(self, session: Session, row: Outbox, now: datetime) -> None:
            return None

    case_id = _case(factory, clock)
    refused = _queue(factory, clock, OutboxKind.SLACK_REMINDER, case_id, channel="C1")
    limited = _queue(factory, clock, OutboxKind.SLACK_DIGEST, case_id, channel="C1")
    _dispatcher(factory, clock, Platform()).run_once()
    row = _row(factory, refused)
    assert (row.status, row.error_code, row.attempts) == ("failed", "rejected", 1)
    row = _row(factory, limited)
    assert (row.status, row.error_code) == ("pending", "rate_limited")
    assert (row.next_attempt_at - clock.now()).total_seconds() == 30


def test_one_deliverer_per_kind():
    with pytest.raises(ValueError, match="two deliverers"):
        OutboxDispatcher(
            session_factory=None,  # type: ignore[arg-type]
            deliverers=[ReplyDeliverer(), ReplyDeliverer()],
            clock=FakeClock(),
            owner="test",
        )


class PacedSlack:
    """Slack as the deliverer sees it: channel "#busy" has no free slot for 0.8 s; the others are free."""

    kinds = frozenset({OutboxKind.ESCALATION, OutboxKind.SLACK_UPDATE, OutboxKind.SLACK_THREAD})

    def __init__(self) -> None:
        self.sent: list[tuple[str, str | None]] = []

    def connectors(self) -> frozenset[str]:
        return frozenset({"slack"})

    def deliver(self, row: Outbox) -> dict[str, Any]:
        if row.channel == "#busy":
            raise Deferred(0.8)
        self.sent.append((row.kind, row.channel))
        return {"channel": row.channel, "ts": "1.1"}

    def on_delivered(self, session: Session, row: Outbox, now: datetime) -> None:
        return None


def test_new_escalations_go_before_refreshes_and_a_busy_channel_holds_up_nothing(factory, clock):
    case_id = _case(factory, clock)

    def queue(kind: OutboxKind, key: str, channel: str) -> int:
        with transaction(factory) as session:
            row = outbox.enqueue(session, kind=kind, key=key, now=clock.now(), case_id=case_id, channel=channel)
            session.flush()
            return row.id

    refreshes = [queue(OutboxKind.SLACK_UPDATE, f"u{i}", "#stores") for i in range(3)]
    busy = queue(OutboxKind.SLACK_THREAD, "busy", "#busy")
    urgent = queue(OutboxKind.ESCALATION, "new", "#safety")  # queued last
    slack = PacedSlack()
    dispatcher = OutboxDispatcher(session_factory=factory, deliverers=[slack], clock=clock, owner="me")
    assert dispatcher.run_once() == 5
    assert slack.sent[0] == (OutboxKind.ESCALATION, "#safety")  # first, though queued last
    assert [kind for kind, _ in slack.sent[1:]] == [OutboxKind.SLACK_UPDATE] * 3  # the busy row held up nothing
    waiting = _row(factory, busy)
    assert waiting.status == OutboxStatus.PENDING and waiting.attempts == 0 and waiting.last_error is None
    assert (waiting.next_attempt_at - clock.now()).total_seconds() == pytest.approx(0.8)
    assert all(_row(factory, r).status == OutboxStatus.POSTED for r in [urgent, *refreshes])
    assert dispatcher.run_once() == 0  # not due yet: no busy loop


def test_rate_limits_delay_a_row_without_using_up_its_attempts(factory, clock):
    class Busy:
        kinds = frozenset({OutboxKind.ESCALATION})

        def connectors(self) -> frozenset[str]:
            return frozenset({"slack"})

        def deliver(self, row: Outbox) -> dict[str, Any]:
            raise RetryLater("Slack rate limit (429)", 2, code=DeliveryCode.RATE_LIMITED)

        def on_delivered(self, session: Session, row: Outbox, now: datetime) -> None:
            return None

    case_id = _case(factory, clock)
    row_id = _queue(factory, clock, OutboxKind.ESCALATION, case_id, channel="C0SAFETY")
    dispatcher = OutboxDispatcher(session_factory=factory, deliverers=[Busy()], clock=clock, owner="me", max_attempts=3)
    for _ in range(10):  # more 429s than the attempt limit (several dispatchers pacing one channel, say)
        assert dispatcher.run_once() == 1
        clock.advance(2)
    row = _row(factory, row_id)
    assert (row.status, row.attempts, row.error_code) == ("pending", 0, "rate_limited")
