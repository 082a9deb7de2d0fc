"""From POST /v1/mentions to the card in the owner's channel, with the real model and the example playbook."""

from __future__ import annotations

from tests.bot.helpers import mention
from tests.conftest import make_token
from tests.slack.conftest import ctx_of, wait_posted


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
