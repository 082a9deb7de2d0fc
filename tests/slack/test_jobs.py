"""Scheduled jobs: leases (one replica per tick), the daily digest, changes made outside Slack, pacing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.db import transaction
from bot.escalation import card_sync
from bot.measure import digest
from bot.slack.pacing import ChannelPacer
from bot.workers import leases
from tests.conftest import make_token, wait_for
from tests.slack.conftest import ctx_of, kick, run_job, seed, wait_posted


def test_a_lease_lets_one_replica_run_each_tick(slack_client):
    ctx, now, ttl = ctx_of(slack_client), ctx_of(slack_client).clock.now(), timedelta(seconds=10)
    with transaction(ctx.session_factory) as session:
        assert leases.acquire(session, name="job", owner="a", now=now, ttl=ttl)
    with transaction(ctx.session_factory) as session:
        assert not leases.acquire(session, name="job", owner="b", now=now + timedelta(seconds=5), ttl=ttl)
    with transaction(ctx.session_factory) as session:
        assert leases.acquire(session, name="job", owner="a", now=now + timedelta(seconds=5), ttl=ttl)
    with transaction(ctx.session_factory) as session:
        assert leases.acquire(session, name="job", owner="b", now=now + timedelta(seconds=16), ttl=ttl)


def test_daily_digest_is_posted_once_per_day(slack_client, fake_slack, clock):
    seed(slack_client)
    morning = datetime.combine(clock.now().date() + timedelta(days=1), datetime.min.time(), tzinfo=UTC)
    clock.set(morning + timedelta(hours=7))
    assert run_job(slack_client, digest.enqueue, channel="C0DIGEST") is False  # before 08:00 UTC
    clock.set(morning + timedelta(hours=9))
    assert run_job(slack_client, digest.enqueue, channel="C0DIGEST") is True
    assert run_job(slack_client, digest.enqueue, channel="C0DIGEST") is False
    kick(slack_client)
    post = wait_for(lambda: [c for c in fake_slack.ok_calls("chat.postMessage") if c["args"]["channel"] == "C0DIGEST"])
    text = str(post[0]["args"]["blocks"])
    assert f"Complaints digest for {(morning - timedelta(days=1)).date()}" in text
    assert "Received *1*" in text and "escalated *1*" in text


def test_changes_made_in_the_api_reach_the_card_and_thread(slack_client, fake_slack):
    case_id = seed(slack_client)
    wait_posted(slack_client, case_id)
    headers = make_token(slack_client, "agent")
    assert slack_client.post(f"/v1/cases/{case_id}/ack", headers=headers).status_code == 200
    assert run_job(slack_client, card_sync.sync) == 0  # the API queued the card's update itself, at once
    kick(slack_client)
    thread = wait_for(lambda: [c for c in fake_slack.ok_calls("chat.postMessage") if c["args"].get("thread_ts")])
    assert "Acknowledged by api:test-agent" in thread[0]["args"]["text"]
    wait_for(lambda: fake_slack.ok_calls("chat.update"))


def test_pacer_spaces_messages_per_channel():
    now = [100.0]
    pacer = ChannelPacer(1.0, clock=lambda: now[0])
    assert pacer.try_reserve("C1") == 0 and pacer.try_reserve("C1") == 1.0  # the second is told to wait, not booked
    assert pacer.try_reserve("C2") == 0  # another channel is not held up
    now[0] += 0.4
    assert pacer.try_reserve("C1") == pytest.approx(0.6)
    now[0] += 0.6
    assert pacer.try_reserve("C1") == 0


def test_scheduler_defines_fixed_jobs_and_one_replica_runs_each_tick(slack_client):
    from bot.workers.scheduler import Scheduler, run_leased

    ctx = ctx_of(slack_client)
    scheduler = Scheduler(ctx, owner="replica-a")
    scheduler.start()
    try:
        jobs = {job.id: job for job in scheduler._scheduler.get_jobs()}
        assert {"slack_repings", "slack_card_sync", "slack_digest", "slack_requeue_failed"} <= set(jobs)
        assert all(job.coalesce for job in jobs.values())
    finally:
        scheduler.stop()
    ran: list[str] = []
    for owner in ("replica-a", "replica-b"):
        run_leased(ctx, name="tick", owner=owner, ttl_seconds=30, work=lambda session, now, o=owner: ran.append(o))
    assert ran == ["replica-a"]


def test_without_slack_credentials_nothing_slack_is_installed(make_settings):
    from bot.main import create_app

    app = create_app(make_settings())
    from bot.enums import OutboxKind

    assert [set(d.kinds) for d in app.state.ctx.deliverers] == [{OutboxKind.REPLY}]  # replies wait for a source
    assert "/slack/events" not in {getattr(route, "path", None) for route in app.routes}
