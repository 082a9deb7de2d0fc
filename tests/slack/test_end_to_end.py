"""From POST /v1/mentions to the card in the owner's channel, with the real model and the example playbook."""

from __future__ import annotations

from tests.bot.helpers import mention
from tests.conftest import make_token
from tests.slack.conftest import ctx_of, wait_classified, wait_posted


def test_urgent_public_complaint_reaches_the_owner_in_slack(slack_client, fake_slack):
    assert ctx_of(slack_client).model.ready.wait(60) and not ctx_of(slack_client).model.error
    headers = make_token(slack_client, "ingest", "agent")
    body = mention(
        "@acme your phone charger caught fire on my desk and burned it, my kids could have been hurt. "
        "Calling my lawyer",
        author={"handle": "safety_mom", "name": "Sam", "followers": 45000, "verified": True},
        url="https://x.com/safety_mom/status/42",
    )
    case_id = slack_client.post("/v1/mentions", json=body, headers=headers).json()["case_id"]
    case = wait_posted(slack_client, case_id, timeout=30)
    post = next(c["args"] for c in fake_slack.ok_calls("chat.postMessage") if c["args"]["channel"] == "C0SAFETY")
    text = str(post["blocks"])
    assert "<!subteam^S0SAFETY>" in text and "Product safety or injury" in text
    assert "Hi Sam" in text or "Sam, we're so sorry" in text
    assert "<https://x.com/safety_mom/status/42|original>" in text
    assert case["escalation"]["ts"]
    # the fake clock stands still, so events share one timestamp: check presence, not position
    types = [e["type"] for e in case["timeline"]]
    assert types.count("notified") == 1 and types.count("classified") == 1 and types.count("escalated") == 1, types


def test_a_calm_report_of_harm_reaches_slack_whatever_sentiment_says(slack_client, fake_slack):
    """Escalation comes from risk: a plain, unemotional report of an injury is escalated even though the
    sentiment head reads it as neutral and the complaint head does not call it a complaint."""
    ctx = ctx_of(slack_client)
    assert ctx.model.ready.wait(60) and not ctx.model.error
    headers = make_token(slack_client, "ingest", "agent")
    text = (
        "Hello. On Saturday my father was in your garden centre when a planter fell from a shelf onto his foot. "
        "He had surgery on Monday. Could you tell us who we should speak to?"
    )
    assert ctx.model.loaded.engine.predict([text])[0].sentiment_label == "neutral"  # calm words: the heads read it so
    body = mention(text, author={"handle": "quiet_son", "name": "Alex", "followers": 1500})
    case_id = slack_client.post("/v1/mentions", json=body, headers=headers).json()["case_id"]
    case = wait_posted(slack_client, case_id, timeout=30)
    assert case["classification"]["urgency"]["level"] == "critical"
    risks = {r["type"] for r in case["classification"]["risks"] if r["serious"]}
    assert "injury" in risks
    post = next(c["args"] for c in fake_slack.ok_calls("chat.postMessage") if c["args"]["channel"] == "C0SAFETY")
    text_blocks = str(post["blocks"])
    assert "Why this reached you" in text_blocks and "someone was hurt or fell ill" in text_blocks


def test_a_joke_with_alarming_words_pages_nobody(slack_client, fake_slack):
    ctx = ctx_of(slack_client)
    assert ctx.model.ready.wait(60) and not ctx.model.error
    headers = make_token(slack_client, "ingest", "agent")
    body = mention("@acme your new cinnamon rolls are dangerously good, I'd kill for another box lol 😂")
    case_id = slack_client.post("/v1/mentions", json=body, headers=headers).json()["case_id"]
    case = wait_classified(slack_client, case_id, timeout=30)
    assert case["escalation"]["status"] == "none"
    assert not [r for r in case["classification"]["risks"] if r["serious"]]
