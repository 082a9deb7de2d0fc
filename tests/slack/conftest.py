"""Fixtures for the Slack tests: the app wired to a fake Slack Web API, signed requests, seeded escalations."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlencode

import pytest
from slack_sdk.signature import SignatureVerifier

from tests.slack.fake_slack import FakeSlack

SECRET = "test-signing-secret"
TOKEN = "xoxb-test-token"


@pytest.fixture(scope="session")
def fake_slack_server() -> Iterator[FakeSlack]:
    server = FakeSlack().start()
    yield server
    server.stop()


@pytest.fixture
def fake_slack(fake_slack_server: FakeSlack) -> FakeSlack:
    fake_slack_server.reset()
    return fake_slack_server


@pytest.fixture
def clock() -> Any:
    from bot.clock import FakeClock

    return FakeClock(datetime.now(UTC).replace(microsecond=0))


@pytest.fixture
def slack_settings(make_settings: Callable[..., Any], fake_slack: FakeSlack) -> Any:
    return make_settings(slack_bot_token=TOKEN, slack_signing_secret=SECRET, slack_api_url=fake_slack.url)


@pytest.fixture
def slack_client(slack_settings: Any, clock: Any) -> Iterator[Any]:
    from fastapi.testclient import TestClient

    from bot.main import create_app
    from bot.slack.deliverer import SlackDeliverer

    app = create_app(slack_settings, clock=clock)
    (slack,) = [d for d in app.state.ctx.deliverers if isinstance(d, SlackDeliverer)]
    slack.pacer.interval = 0.0  # pacing has its own test
    with TestClient(app) as client:
        for worker in app.state.ctx.supervisor.workers:  # tests run the scheduled jobs themselves, with the fake clock
            if type(worker).__name__ == "Scheduler":
                worker.stop()
        yield client


def kick(client: Any) -> None:
    """Wake the outbox dispatcher (after moving the fake clock)."""
    for worker in ctx_of(client).supervisor.workers:
        if hasattr(worker, "wake") and type(worker).__name__ == "OutboxDispatcher":
            worker.wake()


def run_job(client: Any, work: Any, **kwargs: Any) -> Any:
    from bot.db import transaction

    ctx = ctx_of(client)
    with transaction(ctx.session_factory) as session:
        return work(session, now=ctx.clock.now(), **kwargs)


def ctx_of(client: Any) -> Any:
    return client.app.state.ctx


def handled(client: Any) -> int:
    """Slack actions the app has finished handling (its rrbot_slack_actions metric)."""
    families = ctx_of(client).metrics.slack_actions.collect()
    return int(sum(s.value for f in families for s in f.samples if s.name.endswith("_total")))


def wait_handled(client: Any, count: int) -> None:
    """A barrier instead of a sleep: returns once `count` Slack actions have been handled to the end."""
    from tests.conftest import wait_for

    wait_for(lambda: handled(client) >= count)


def dispatcher(client: Any) -> Any:
    (worker,) = [w for w in ctx_of(client).supervisor.workers if type(w).__name__ == "OutboxDispatcher"]
    return worker


# -- signed requests --------------------------------------------------------------------------------------------


def signed_headers(body: str, content_type: str, *, ts: int | None = None, secret: str = SECRET) -> dict[str, str]:
    stamp = str(ts if ts is not None else int(time.time()))
    signature = SignatureVerifier(secret).generate_signature(timestamp=stamp, body=body)
    return {"X-Slack-Request-Timestamp": stamp, "X-Slack-Signature": signature, "Content-Type": content_type}


def post_signed(client: Any, body: str, content_type: str, **kwargs: Any) -> Any:
    extra = kwargs.pop("headers", {})
    return client.post("/slack/events", content=body, headers={**signed_headers(body, content_type, **kwargs), **extra})


def user(uid: str = "U123") -> dict[str, Any]:
    return {"id": uid, "username": uid.lower(), "name": uid.lower(), "team_id": "T1"}


def interaction(payload: dict[str, Any], **kwargs: Any) -> tuple[str, str]:
    payload = {"team": {"id": "T1", "domain": "acme"}, "api_app_id": "A1", "token": "legacy", **payload}
    return urlencode({"payload": json.dumps(payload)}), "application/x-www-form-urlencoded"


def click(client: Any, action_id: str, value: str, *, uid: str = "U123", **kwargs: Any) -> Any:
    body, ctype = interaction(
        {
            "type": "block_actions",
            "user": user(uid),
            "trigger_id": f"trigger-{action_id}",
            "container": {"type": "message", "channel_id": "C0STORES", "message_ts": "1.1"},
            "channel": {"id": "C0STORES"},
            "actions": [
                {"type": "button", "action_id": action_id, "block_id": "actions", "value": value, "action_ts": "1"}
            ],
        }
    )
    return post_signed(client, body, ctype, **kwargs)


def submit(
    client: Any, callback_id: str, case_id: str, values: dict[str, Any], *, view_id: str = "V1", uid: str = "U123"
) -> Any:
    body, ctype = interaction(
        {
            "type": "view_submission",
            "user": user(uid),
            "trigger_id": "t",
            "view": {
                "id": view_id,
                "type": "modal",
                "callback_id": callback_id,
                "private_metadata": case_id,
                "hash": "h",
                "state": {"values": values},
            },
        }
    )
    return post_signed(client, body, ctype)


def event(
    client: Any, event_body: dict[str, Any], *, event_id: str = "Ev1", headers: dict[str, str] | None = None
) -> Any:
    body = json.dumps(
        {
            "token": "legacy",
            "team_id": "T1",
            "api_app_id": "A1",
            "type": "event_callback",
            "event_id": event_id,
            "event_time": int(time.time()),
            "event": event_body,
        }
    )
    return post_signed(client, body, "application/json", headers=headers or {})


def command(client: Any, text: str = "", *, uid: str = "U123") -> Any:
    body = urlencode(
        {
            "command": "/complaints",
            "text": text,
            "user_id": uid,
            "user_name": uid.lower(),
            "team_id": "T1",
            "channel_id": "C1",
            "trigger_id": "t",
            "response_url": "http://127.0.0.1:9/x",
            "token": "legacy",
            "api_app_id": "A1",
        }
    )
    return post_signed(client, body, "application/x-www-form-urlencoded")


# -- seeded escalations (no model needed) ---------------------------------------------------------------------------

PLAYBOOK = "acme-retail"


def seed(
    client: Any,
    text: str = "the salesperson at your store was so pushy I walked out",
    *,
    category: str = "pushy_staff",
    level: str = "high",
    person: dict[str, Any] | None = None,
    created_at: datetime | None = None,
    url: str | None = "https://x.com/jane/status/1",
    risks: tuple[str, ...] = (),
) -> str:
    """A classified, escalated case, made by the service's own code: ingested as a mention, claimed, and
    stored by `write_results` with the decision the playbook gives for `category` (only the model's reading
    is fixed here, so no model is needed)."""
    import sqlalchemy as sa

    from bot.db import transaction
    from bot.intake.ingest import ingest
    from bot.models import Case
    from bot.schemas import MentionIn
    from bot.triage.claims import claim
    from bot.triage.results import Outcome, write_results
    from classifiers.risk import RiskFinding
    from classifiers.risk_types import RiskType
    from classifiers.types import CategoryMatch, Classification, Urgency, UrgencyLevel
    from playbooks.triage import Decision

    ctx = ctx_of(client)
    now = ctx.clock.now()
    person = person or {"handle": "jane_doe", "name": "Jane", "followers": 12000, "verified": True}
    item = MentionIn(
        source="x",
        external_id=f"seed-{time.monotonic_ns()}",
        text=text,
        created_at=created_at or now - timedelta(minutes=2),
        author=person,
        url=url,
    )
    (book,) = [b for b in ctx.playbooks if b.business == PLAYBOOK]
    cat = book.category(category)
    assert cat is not None, category
    found = tuple(RiskFinding(RiskType(r), 0.9, ("seeded",), True) for r in risks)
    result = Classification(
        sentiment_label="negative",
        sentiment_scores={"negative": 0.93, "neutral": 0.05, "positive": 0.02},
        is_complaint=True,
        complaint_score=0.97,
        urgency=Urgency(UrgencyLevel(level), 0.81, ["large reach (12,000 followers)", "verified author"]),
        category=CategoryMatch(category, 0.72),
        risks=found,
    )
    decision = Decision(
        playbook=book.business,
        category=cat,
        level=UrgencyLevel(level),
        escalate=True,
        channel=cat.owner.channel,
        mention=cat.owner.mention,
        chain=tuple(cat.owner.chain),
        targets=book.targets_for(category),
        risk=found[0].type if found else None,
    )
    with transaction(ctx.session_factory) as session:  # one transaction: the running worker never sees it unclaimed
        (accepted,) = ingest(session, items=[item], now=now)
        claimed = claim(session, owner="seed", limit=1000, now=now, lease=timedelta(minutes=5))
        (mine,) = [c for c in claimed if c.id == accepted.case_id]
        others = [c.id for c in claimed if c.id != mine.id]  # waiting for the real worker: back to the queue
        session.execute(
            sa.update(Case)
            .where(Case.id.in_(others))
            .values(claimed_by=None, claimed_until=None, attempts=Case.attempts - 1)
        )
        stored = write_results(
            session, outcomes=[Outcome(mine, result, decision)], owner="seed", model_version="seed", now=now
        )
    assert stored == 1
    return accepted.case_id


def case_json(client: Any, case_id: str) -> dict[str, Any]:
    from bot.cases.queries import get_case, render_cases
    from bot.db import transaction

    with transaction(ctx_of(client).session_factory) as session:
        return render_cases(session, [get_case(session, case_id)])[0]


def wait_classified(client: Any, case_id: str, timeout: float = 10.0) -> dict[str, Any]:
    from tests.conftest import wait_for

    def check() -> dict[str, Any] | None:
        case = case_json(client, case_id)
        return case if case["classification"] is not None else None

    return wait_for(check, timeout=timeout)


def wait_posted(client: Any, case_id: str, timeout: float = 10.0) -> dict[str, Any]:
    from tests.conftest import wait_for

    def check() -> dict[str, Any] | None:
        case = case_json(client, case_id)
        return case if case["escalation"]["status"] == "posted" else None

    return wait_for(check, timeout=timeout)
