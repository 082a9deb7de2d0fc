"""Signatures, retries and double deliveries, unknown events, 429 Retry-After, Slack down then up, failures."""

from __future__ import annotations

import time

from tests.conftest import wait_for
from tests.slack.conftest import (
    case_json,
    click,
    dispatcher,
    event,
    handled,
    kick,
    post_signed,
    seed,
    wait_handled,
    wait_posted,
)


def _retry(client, case_id, clock, seconds: float = 301) -> dict:
    """Move the clock past the backoff and wait for the dispatcher's next attempt."""
    before = case_json(client, case_id)["escalation"]["attempts"]
    clock.advance(seconds)
    kick(client)
    return wait_for(lambda: (c := case_json(client, case_id)["escalation"])["attempts"] > before and c, timeout=5)


def _acked(client, case_id):
    return [e for e in case_json(client, case_id)["timeline"] if e["type"] == "acked"]


def test_bad_or_stale_signatures_get_401_and_nothing_happens(slack_client, fake_slack):
    case_id = seed(slack_client)
    wait_posted(slack_client, case_id)
    assert click(slack_client, "case_ack", case_id, secret="not-the-secret").status_code == 401
    assert click(slack_client, "case_ack", case_id, ts=int(time.time()) - 600).status_code == 401
    assert click(slack_client, "case_ack", case_id, ts=int(time.time()) + 600).status_code == 401
    unsigned = slack_client.post(
        "/slack/events", content="payload=%7B%7D", headers={"Content-Type": "application/x-www-form-urlencoded"}
    )
    assert unsigned.status_code == 401
    assert click(slack_client, "case_ack", case_id, uid="U777").status_code == 200  # then one properly signed
    wait_handled(slack_client, 1)
    assert handled(slack_client) == 1  # the refused requests never reached a listener
    assert [e["actor"] for e in _acked(slack_client, case_id)] == ["slack:U777 (Name U777)"]


def test_event_retries_and_double_deliveries_are_handled_once(slack_client, fake_slack):
    home = {"type": "app_home_opened", "user": "U123", "channel": "D1", "tab": "home", "event_ts": "1.0"}
    assert event(slack_client, home, event_id="EvHome").status_code == 200
    fake_slack.wait("views.publish")
    retry = event(
        slack_client,
        home,
        event_id="EvHome",
        headers={"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_timeout"},
    )
    assert retry.status_code == 200
    assert event(slack_client, home, event_id="EvHome").status_code == 200
    other = {**home, "user": "U999"}  # a barrier: a new event, sent after the repeats, is handled
    assert event(slack_client, other, event_id="EvOther").status_code == 200
    wait_for(lambda: any(c["args"]["user_id"] == "U999" for c in fake_slack.ok_calls("views.publish")))
    publishes = [c for c in fake_slack.ok_calls("views.publish") if c["args"]["user_id"] == "U123"]
    assert len(publishes) == 1
    assert publishes[0]["args"]["user_id"] == "U123" and "Complaints queue" in str(publishes[0]["args"]["view"])


def test_unknown_events_and_url_verification_are_answered_200(slack_client, fake_slack):
    reaction = {"type": "reaction_added", "user": "U1", "reaction": "eyes", "event_ts": "1.0"}
    assert event(slack_client, reaction, event_id="EvOther").status_code == 200
    challenge = post_signed(
        slack_client, '{"type": "url_verification", "challenge": "abc", "token": "t"}', "application/json"
    )
    assert challenge.status_code == 200 and challenge.json()["challenge"] == "abc"


def test_429_retry_after_is_honoured(slack_client, fake_slack, clock):
    fake_slack.fail("chat.postMessage", status=429, headers={"Retry-After": "7"})
    case_id = seed(slack_client)
    wait_for(lambda: case_json(slack_client, case_id)["escalation"]["error_code"] == "rate_limited")
    assert dispatcher(slack_client).run_once() == 0  # nothing is due before Retry-After
    assert case_json(slack_client, case_id)["escalation"]["status"] == "pending"
    clock.advance(7)
    kick(slack_client)
    case = wait_posted(slack_client, case_id)
    assert case["escalation"]["attempts"] == 1 and len(fake_slack.ok_calls("chat.postMessage")) == 1  # a 429 is a wait


def test_slack_down_loses_nothing_and_delivers_when_back(slack_client, fake_slack, clock):
    fake_slack.down = True
    ids = [seed(slack_client, text) for text in ("rude cashier", "pushy warranty upsell", "staff ignored me")]
    wait_for(lambda: all(case_json(slack_client, i)["escalation"]["attempts"] >= 1 for i in ids))
    _retry(slack_client, ids[0], clock, 10)
    assert all(case_json(slack_client, i)["escalation"]["status"] == "pending" for i in ids)
    fake_slack.down = False

    def all_posted_as_time_passes() -> bool:
        # an attempt that hit the outage just before it ended settles with a later retry time: keep time moving
        clock.advance(300)
        kick(slack_client)
        return all(case_json(slack_client, i)["escalation"]["status"] == "posted" for i in ids)

    wait_for(all_posted_as_time_passes, interval=0.2)
    assert all(case_json(slack_client, i)["escalation"]["ts"] for i in ids)
    assert len(fake_slack.ok_calls("chat.postMessage")) == 3  # each card once


def test_permanent_errors_and_exhausted_retries_end_in_a_visible_failed_state(slack_client, fake_slack, clock):
    fake_slack.fail("chat.postMessage", status=200, error="channel_not_found")
    case_id = seed(slack_client)
    case = wait_for(lambda: (c := case_json(slack_client, case_id))["escalation"]["status"] == "failed" and c)
    assert case["escalation"]["error_code"] == "rejected" and "channel_not_found" in case["escalation"]["last_error"]
    failures = wait_for(
        lambda: [e for e in case_json(slack_client, case_id)["timeline"] if e["type"] == "delivery_failed"]
    )
    (failed,) = failures  # visible on the case, once
    assert failed["data"]["kind"] == "escalation" and "channel_not_found" in failed["data"]["reason"]

    fake_slack.down = True
    other = seed(slack_client, "the clerk followed me around")
    wait_for(lambda: case_json(slack_client, other)["escalation"]["attempts"] == 1)
    for _ in range(7):
        escalation = _retry(slack_client, other, clock)
    assert escalation["status"] == "failed" and escalation["attempts"] == 8
    assert escalation["error_code"] == "unavailable" and "service_unavailable" in escalation["last_error"]


def test_rows_failed_during_an_outage_are_delivered_when_slack_is_back(slack_client, fake_slack, clock):
    from bot.outbox.rows import requeue_transient
    from tests.slack.conftest import run_job

    fake_slack.down = True
    case_id = seed(slack_client)
    wait_for(lambda: case_json(slack_client, case_id)["escalation"]["attempts"] == 1)
    for _ in range(7):
        _retry(slack_client, case_id, clock)
    assert case_json(slack_client, case_id)["escalation"]["status"] == "failed"  # visible while Slack is down
    fake_slack.down = False
    assert run_job(slack_client, requeue_transient, kinds=["escalation"]) == 1
    kick(slack_client)
    assert wait_posted(slack_client, case_id)["escalation"]["ts"]
