"""The X connector end to end: tweepy's real client, routed by RRBOT_X_API_URL to a fake X API v2 on 127.0.0.1.

Mentions are polled page by page from a since_id kept in the database, each once across a restart; a 429
pauses only the X source; replies from the API are posted once, in reply to the post, even after an
ambiguous failure; nothing secret reaches the log.
"""

from __future__ import annotations

import logging
import re
from typing import Any

import pytest
from fastapi.testclient import TestClient

from bot.main import create_app
from tests.conftest import make_token, wait_for
from tests.sources.conftest import X_CREDENTIALS


def _app(settings: Any) -> TestClient:
    return TestClient(create_app(settings))


def _cases(client: TestClient, headers: dict[str, str]) -> list[dict[str, Any]]:
    items, cursor = [], None
    while True:
        params = {"limit": 200, "source": "x", **({"cursor": cursor} if cursor else {})}
        page = client.get("/v1/cases", params=params, headers=headers).json()
        items += page["items"]
        cursor = page["next_cursor"]
        if not cursor:
            return items


def _stream(client: TestClient, status: str) -> dict[str, Any] | None:
    stream = client.get("/readyz").json()["sources"]["x"]["streams"].get("mentions:999")
    return stream if stream and stream["status"] == status else None


def _poll(client: TestClient) -> None:
    (poller,) = [w for w in client.app.state.ctx.supervisor.workers if type(w).__name__ == "XPoller"]
    poller.run_once()


def test_mentions_are_polled_page_by_page_and_stored_once_across_a_restart(x_settings, fake_x, caplog):
    caplog.set_level(logging.DEBUG)
    fake_x.page_size = 80  # 200 mentions: three pages
    fake_x.add_mentions(200)
    settings = x_settings()
    with _app(settings) as client:
        admin = make_token(client, "admin")
        wait_for(lambda: len(_cases(client, admin)) == 200, timeout=60)
        first = fake_x.mention_calls()
        assert len(first) == 3 and "since_id" not in first[0]["query"]  # the backlog on the first poll
        assert [c["query"].get("pagination_token") for c in first] == [None, "80", "160"]
        assert first[0]["query"]["expansions"] == "author_id" and first[0]["auth"].startswith("Bearer ")
        case = _cases(client, admin)[0]
        assert case["author"]["handle"].startswith("customer") and case["author"]["followers"] >= 100
    newest = fake_x.mentions[0]["id"]
    fake_x.add_mentions(3, start=200)
    with _app(settings) as client:  # a restart: since_id comes from the database
        admin = make_token(client, "admin")
        wait_for(lambda: len(_cases(client, admin)) == 203, timeout=30)
        # the poll that stored them has also moved since_id (cases are committed first, then the cursor)
        wait_for(lambda: client.get("/readyz").json()["sources"]["x"]["reads"] >= 203)
        _poll(client)  # and again: nothing new, nothing repeated
        cases = _cases(client, admin)
        assert len(cases) == 203 and len({c["external_id"] for c in cases}) == 203
        later = fake_x.mention_calls()[3:]
        assert later and all(c["query"]["since_id"] == newest for c in later[:1])
        ready = client.get("/readyz").json()
        assert ready["sources"]["x"]["polling"] is True and ready["sources"]["x"]["reads"] == 203
        assert ready["sources"]["x"]["streams"]["mentions:999"]["status"] == "ok"
    assert not [r for r in caplog.records if "s3cr3t" in r.getMessage()]  # credentials never reach a log


def test_a_429_pauses_only_the_x_source_and_everything_else_keeps_flowing(x_settings, fake_x):
    from datetime import UTC, datetime, timedelta

    reset = int((datetime.now(UTC) + timedelta(minutes=15)).timestamp())
    fake_x.fail("mentions", 429, {"x-rate-limit-remaining": "0", "x-rate-limit-reset": str(reset)})
    fake_x.add_mentions(5)
    with _app(x_settings()) as client:
        admin = make_token(client, "admin")
        stream = wait_for(lambda: _stream(client, "rate_limited"))
        assert stream["paused_until"].startswith(datetime.fromtimestamp(reset, UTC).isoformat()[:16])
        calls = len(fake_x.mention_calls())
        _poll(client)  # still paused: X is not asked again before its reset time
        assert len(fake_x.mention_calls()) == calls and _cases(client, admin) == []
        body = {
            "source": "api",
            "external_id": "a-1",
            "text": "the cashier shouted at me",
            "created_at": datetime.now(UTC).isoformat(),
            "author": {"handle": "jane"},
        }
        case_id = client.post("/v1/mentions", json=body, headers=admin).json()["case_id"]
        wait_for(lambda: client.get(f"/v1/cases/{case_id}", headers=admin).json()["classification"])


def _events(client: TestClient, admin: dict[str, str], case_id: str, type_: str) -> list[dict[str, Any]]:
    return [e for e in client.get(f"/v1/cases/{case_id}", headers=admin).json()["timeline"] if e["type"] == type_]


def _one_case(client: TestClient, fake_x: Any) -> tuple[dict[str, str], str, str]:
    (tweet_id,) = fake_x.add_mentions(1, text="@acme the heater you sold me caught fire in my kitchen")
    admin = make_token(client, "admin")
    (case,) = wait_for(lambda: _cases(client, admin))
    return admin, case["id"], tweet_id


def test_a_reply_sent_from_the_api_is_posted_once_in_reply_to_the_post(x_settings, fake_x):
    with _app(x_settings()) as client:
        admin, case_id, tweet_id = _one_case(client, fake_x)
        sent = client.post(
            f"/v1/cases/{case_id}/reply", json={"text": "So sorry, DM us now", "send": True}, headers=admin
        )
        assert sent.status_code == 200
        (post,) = fake_x.wait_posts(1)
        assert post["in_reply_to_tweet_id"] == tweet_id and post["text"] == "So sorry, DM us now"
        assert [c for c in fake_x.calls if c["route"] == "post"][0]["auth"].startswith("OAuth ")
        events = wait_for(
            lambda: [
                e
                for e in client.get(f"/v1/cases/{case_id}", headers=admin).json()["timeline"]
                if e["type"] == "reply_posted"
            ]
        )
        assert events[0]["data"]["url"] == f"https://x.com/acme/status/{post['id']}"
        metrics = client.get("/v1/metrics/response-times", params={"group_by": "source"}, headers=admin).json()
        (group,) = metrics["groups"]
        assert 290 <= group["time_to_first_reply"]["p50"] <= 360  # posted 5 minutes before we answered


def test_an_ambiguous_failure_is_checked_before_any_second_post(x_settings, fake_x):
    fake_x.ambiguous_posts = 1  # X accepts the post but the answer is a 503
    with _app(x_settings()) as client:
        admin, case_id, tweet_id = _one_case(client, fake_x)
        client.post(f"/v1/cases/{case_id}/reply", json={"text": "We are on it", "send": True}, headers=admin)
        fake_x.wait_posts(1)
        escalation = wait_for(
            lambda: [
                e
                for e in client.get(f"/v1/cases/{case_id}", headers=admin).json()["timeline"]
                if e["type"] == "reply_posted"
            ],
            timeout=20,
        )
        assert escalation[0]["data"]["found_after_ambiguous_failure"] is True
        assert len(fake_x.posted) == 1  # never posted twice
        checks = [c for c in fake_x.calls if c["route"] == "tweets" and c["auth"].startswith("OAuth ")]
        assert len(checks) == 1  # it looked before posting again (the poller reads the timeline with its bearer)


def test_replies_longer_than_x_allows_are_refused_when_written(x_settings, fake_x):
    with _app(x_settings()) as client:
        admin, case_id, _ = _one_case(client, fake_x)
        response = client.post(f"/v1/cases/{case_id}/reply", json={"text": "x" * 281, "send": True}, headers=admin)
        assert response.status_code == 422
        (detail,) = response.json()["error"]["details"]
        assert detail["field"] == "text" and "280" in detail["reason"]
        internal = client.post(f"/v1/cases/{case_id}/reply", json={"text": "x" * 281, "send": False}, headers=admin)
        assert internal.status_code == 200  # an internal note has no such limit


@pytest.mark.parametrize("status", [402, 403])
def test_a_usage_cap_or_refusal_marks_the_source_degraded(x_settings, fake_x, status):
    fake_x.fail("mentions", status, times=3)
    with _app(x_settings()) as client:
        assert client.app.state.ctx.model.ready.wait(60)
        stream = wait_for(lambda: _stream(client, "degraded"))
        assert str(status) in stream["last_error"]
        assert client.get("/readyz").status_code == 200  # the service itself stays ready


def test_without_user_credentials_replies_wait_for_the_x_connector(x_settings, fake_x):
    read_only = {**{key: None for key in X_CREDENTIALS if key != "x_bearer_token"}, "x_user_id": "999"}
    with _app(x_settings(**read_only)) as client:
        admin, case_id, _ = _one_case(client, fake_x)
        client.post(f"/v1/cases/{case_id}/reply", json={"text": "Sorry!", "send": True}, headers=admin)
        waiting = wait_for(
            lambda: [
                e
                for e in client.get(f"/v1/cases/{case_id}", headers=admin).json()["timeline"]
                if e["type"] == "delivery_waiting"
            ]
        )
        assert waiting[0]["data"]["connector"] == "x"
        assert fake_x.posted == []


def test_keyword_listening_finds_posts_that_did_not_summon_us_and_refuses_automated_replies(x_settings, fake_x):
    with _app(x_settings(x_search_query="acme stores")) as client:
        admin = make_token(client, "admin")
        fake_x.add_mentions(1, text="acme stores sold me a heater that caught fire", mention=False)  # search finds it
        _poll(client)
        (case,) = wait_for(lambda: _cases(client, admin))
        assert [c for c in fake_x.calls if c["route"] == "search"][0]["query"]["query"] == "acme stores"
        client.post(f"/v1/cases/{case['id']}/reply", json={"text": "Sorry!", "send": True}, headers=admin)
        failed = wait_for(lambda: _events(client, admin, case["id"], "delivery_failed"))
        assert failed[0]["data"]["code"] == "not_allowed" and fake_x.posted == []


def test_with_several_replicas_only_the_lease_holder_polls_x(x_settings, fake_x):
    from bot.workers.x_poller import XPoller

    with _app(x_settings()) as client:
        wait_for(lambda: _stream(client, "ok"))  # this replica polled and holds the lease
        ctx = client.app.state.ctx
        replica_b = XPoller(
            client=ctx.x.client,
            account=ctx.x.account,
            session_factory=ctx.session_factory,
            clock=ctx.clock,
            submit=ctx.ingest.submit,
            alert=lambda text: None,
            poll_seconds=3600,
            owner="replica-b",
        )
        calls = len(fake_x.mention_calls())
        replica_b.run_once()
        assert len(fake_x.mention_calls()) == calls  # X is read once per interval, not once per replica


def test_a_source_failing_longer_than_its_interval_tells_slack_once_per_outage(x_settings, fake_x):
    from bot.workers.x_poller import SILENT_POLLS, XPoller

    with _app(x_settings(run_workers=False)) as client:
        ctx = client.app.state.ctx
        told: list[str] = []
        poller = XPoller(
            client=ctx.x.client,
            account=ctx.x.account,
            session_factory=ctx.session_factory,
            clock=ctx.clock,
            submit=ctx.ingest.submit,
            alert=told.append,
            poll_seconds=0.0,  # every run_once polls
            owner="solo",
        )
        fake_x.fail("mentions", 503, times=SILENT_POLLS + 2)
        for _ in range(SILENT_POLLS + 2):
            poller.run_once()
        assert len(told) == 1 and f"failed {SILENT_POLLS} polls in a row" in told[0] and "503" in told[0]
        poller.run_once()  # X answers again: the outage is over
        assert _stream(client, "ok")
        fake_x.fail("mentions", 503, times=SILENT_POLLS)
        for _ in range(SILENT_POLLS):
            poller.run_once()
        assert len(told) == 2  # a new outage is told again


def test_the_queue_page_shows_the_x_source_and_its_cost_this_month(x_settings, fake_x):
    from tests.web.conftest import login

    fake_x.add_mentions(3)
    with _app(x_settings(x_price_per_read=0.01, x_price_per_post=0.5)) as client:
        wait_for(lambda: _stream(client, "ok"))
        login(client, "agent")
        line = re.search(r'id="source-x">(.*?)</p>', client.get("/").text, re.S)
        assert line, "no source line on the queue page"
        reads = client.get("/readyz").json()["sources"]["x"]["reads"]
        assert reads >= 3 and f"{reads:,} reads and 0 posts" in line.group(1)
        assert f"about ${reads * 0.01:.2f}" in line.group(1) and "ok" in line.group(1)


def test_a_reply_the_brand_posts_in_x_itself_counts_as_the_first_reply_once(x_settings, fake_x):
    from datetime import datetime, timedelta

    with _app(x_settings()) as client:
        (tweet_id,) = fake_x.add_mentions(1, text="@acme the heater you sold me caught fire in my kitchen")
        _poll(client)
        admin = make_token(client, "admin")
        (case,) = wait_for(lambda: _cases(client, admin))
        posted_at = datetime.fromisoformat(case["created_at"])
        answered_at = posted_at.replace(microsecond=0) + timedelta(minutes=2)  # X keeps whole seconds here
        brand_post = fake_x.add_brand_reply(tweet_id, "So sorry! Please DM us your order number.", answered_at)
        fake_x.add_brand_reply("123", "Thanks for shopping with us!", answered_at)  # not an answer to a case
        _poll(client)
        _poll(client)  # and again: counted once
        (replied,) = _events(client, admin, case["id"], "replied")
        assert replied["actor"] == "x:brand" and replied["data"]["post_id"] == brand_post
        assert datetime.fromisoformat(replied["at"]) == answered_at
        times = client.get("/v1/metrics/response-times", params={"source": "x"}, headers=admin).json()
        assert times["groups"][0]["time_to_first_reply"]["p50"] == (answered_at - posted_at).total_seconds()

        # a reply the bot posts itself comes back on the same timeline, and is not counted a second time
        client.post(f"/v1/cases/{case['id']}/reply", json={"text": "Following up", "send": True}, headers=admin)
        fake_x.wait_posts(1)
        wait_for(lambda: _events(client, admin, case["id"], "reply_posted"))
        _poll(client)
        assert len(_events(client, admin, case["id"], "replied")) == 2  # the brand's, and the bot's own once
