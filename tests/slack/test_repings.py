"""Re-pings with a controllable clock: in the thread, up the chain, once per step, stopping at acknowledgement."""

from __future__ import annotations

import json
from datetime import timedelta

from bot.escalation import repings
from tests.conftest import wait_for
from tests.slack.conftest import case_json, click, kick, run_job, seed, wait_posted


def _thread_posts(fake_slack):
    return [c["args"] for c in fake_slack.ok_calls("chat.postMessage") if c["args"].get("thread_ts")]


def _breaches(client, case_id):
    return [e for e in case_json(client, case_id)["timeline"] if e["type"] == "sla_breached"]


def test_unacknowledged_case_is_repinged_up_the_chain_once_per_step(slack_client, fake_slack, clock):
    case_id = seed(slack_client, created_at=clock.now() - timedelta(minutes=2))  # target: ack in 15 min
    ts = wait_posted(slack_client, case_id)["escalation"]["ts"]
    clock.advance(12 * 60)
    assert run_job(slack_client, repings.tick) == 0  # 14 minutes: not yet
    clock.advance(61)
    assert run_job(slack_client, repings.tick) == 1
    assert run_job(slack_client, repings.tick) == 0  # the same tick again (another replica, a restart): nothing
    kick(slack_client)
    ping = wait_for(lambda: _thread_posts(fake_slack))[0]
    assert ping["thread_ts"] == ts and "<@U0REGIONAL>" in ping["text"] and ping["reply_broadcast"] in (True, "1")
    breach = _breaches(slack_client, case_id)
    assert len(breach) == 1 and breach[0]["data"]["level"] == 1 and breach[0]["data"]["to"] == "U0REGIONAL"

    clock.advance(15 * 60)
    assert run_job(slack_client, repings.tick) == 1
    kick(slack_client)
    second = wait_for(lambda: len(_thread_posts(fake_slack)) >= 2 and _thread_posts(fake_slack))[1]
    assert "<@U0VPRETAIL>" in second["text"] and "last step" in second["text"]
    clock.advance(60 * 60)
    assert run_job(slack_client, repings.tick) == 0  # the chain is exhausted


def test_acknowledgement_stops_repings(slack_client, fake_slack, clock):
    case_id = seed(slack_client, created_at=clock.now() - timedelta(minutes=2))
    wait_posted(slack_client, case_id)
    click(slack_client, "case_ack", case_id)
    wait_for(lambda: case_json(slack_client, case_id)["status"] == "acked")
    clock.advance(60 * 60)
    assert run_job(slack_client, repings.tick) == 0
    assert _breaches(slack_client, case_id) == []


def test_snooze_postpones_repings(slack_client, fake_slack, clock):
    case_id = seed(slack_client, created_at=clock.now() - timedelta(minutes=2))
    wait_posted(slack_client, case_id)
    click(slack_client, "case_snooze", case_id)
    wait_for(lambda: [e for e in case_json(slack_client, case_id)["timeline"] if e["type"] == "snoozed"])
    clock.advance(20 * 60)
    assert run_job(slack_client, repings.tick) == 0
    clock.advance(45 * 60)  # the hour of snooze is over
    assert run_job(slack_client, repings.tick) == 1


def test_a_case_that_arrives_late_escalates_once_says_so_and_does_not_storm_the_chain(slack_client, fake_slack, clock):
    """Posted 17 hours before it reached us (a backfill): its targets run from arrival, the card says it is late,
    the first re-ping comes one target after arrival and goes to the first step only, and the response-time
    percentiles keep it apart."""
    from tests.conftest import make_token

    case_id = seed(slack_client, created_at=clock.now() - timedelta(hours=17))
    case = wait_posted(slack_client, case_id)
    assert case["late_on_arrival_minutes"] == 17 * 60
    card = fake_slack.wait("chat.postMessage")[0]["args"]
    assert "Arrived late" in json.dumps(card["blocks"]) and "17 h" in json.dumps(card["blocks"])
    assert run_job(slack_client, repings.tick) == 0  # not instantly past its target
    clock.advance(16 * 60)
    assert run_job(slack_client, repings.tick) == 1
    (breach,) = _breaches(slack_client, case_id)
    assert breach["data"]["level"] == 1 and breach["data"]["to"] == "U0REGIONAL"  # the first step, not the top
    metrics = slack_client.get("/v1/metrics/response-times", headers=make_token(slack_client, "manager")).json()
    (group,) = metrics["groups"]
    assert group["time_to_notify"] == {"p50": None, "p90": None}  # nothing on-time to measure
    assert group["late_on_arrival"]["count"] == 1 and group["late_on_arrival"]["time_to_notify"]["p50"] < 60
