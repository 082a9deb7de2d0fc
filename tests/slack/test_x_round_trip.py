"""The seed story end to end, with the real model: a post on X that mentions the brand is polled, reaches a
leader in Slack, and the reply chosen in Slack is posted once on X, in reply to it; the first-reply time is the
real gap from the post. Fake X and Slack APIs on 127.0.0.1, real tweepy and slack_sdk clients."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient

from bot.main import create_app
from bot.slack.deliverer import SlackDeliverer
from tests.conftest import make_token, wait_for
from tests.slack.conftest import SECRET, TOKEN, case_json, submit
from tests.sources.conftest import X_CREDENTIALS
from tests.sources.fake_x import FakeX


@pytest.fixture
def fake_x() -> Iterator[FakeX]:
    server = FakeX().start()
    yield server
    server.stop()


def test_a_post_on_x_reaches_slack_and_the_reply_chosen_there_is_posted_once_on_x(make_settings, fake_slack, fake_x):
    (tweet_id,) = fake_x.add_mentions(
        1, text="@acme the kettle I bought from you exploded and burned my son's hand, we are in the ER now"
    )
    settings = make_settings(
        slack_bot_token=TOKEN,
        slack_signing_secret=SECRET,
        slack_api_url=fake_slack.url,
        x_api_url=fake_x.url,
        x_poll_seconds=3600,
        **X_CREDENTIALS,
    )
    app = create_app(settings)
    (slack,) = [d for d in app.state.ctx.deliverers if isinstance(d, SlackDeliverer)]
    slack.pacer.interval = 0.0
    with TestClient(app) as client:
        card = fake_slack.wait("chat.postMessage", timeout=30)[0]["args"]
        assert card["channel"] == "C0SAFETY"  # injury: the safety owner, not the general queue
        admin = make_token(client, "admin")
        (case,) = client.get("/v1/cases", headers=admin).json()["items"]
        assert case["external_id"] == tweet_id and case["classification"]["urgency"]["level"] == "critical"
        values = {
            "reply_text": {"text": {"value": "We're so sorry. Please DM us a number, our safety lead will call."}},
            "reply_mode": {"mode": {"selected_option": {"value": "customer"}}},
        }
        submit(client, "case_reply_modal", case["id"], values, view_id="V-x1")
        submit(client, "case_reply_modal", case["id"], values, view_id="V-x1")  # Slack delivers it twice
        (post,) = fake_x.wait_posts(1)
        assert post["in_reply_to_tweet_id"] == tweet_id and post["text"].startswith("We're so sorry")
        posted = wait_for(lambda: [e for e in case_json(client, case["id"])["timeline"] if e["type"] == "reply_posted"])
        assert posted[0]["data"]["id"] == post["id"] and len(fake_x.posted) == 1
        thread = wait_for(
            lambda: [
                c for c in fake_slack.ok_calls("chat.postMessage") if "posted to the customer" in c["args"]["text"]
            ]
        )
        assert thread  # the card's thread shows the reply
        metrics: dict[str, Any] = client.get("/v1/metrics/response-times", headers=admin).json()["groups"][0]
        replied = next(e for e in case_json(client, case["id"])["timeline"] if e["type"] == "replied")
        gap = (datetime.fromisoformat(replied["at"]) - datetime.fromisoformat(case["created_at"])).total_seconds()
        assert metrics["time_to_first_reply"]["p50"] == pytest.approx(gap, abs=0.01)
