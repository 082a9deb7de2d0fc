"""The escalation card: what it shows, within Slack's limits, posted through the outbox."""

from __future__ import annotations

import json

from tests.slack.conftest import seed, wait_posted


def _texts(blocks):
    out = []
    for b in blocks:
        if "text" in b:
            out.append(b["text"]["text"] if isinstance(b["text"], dict) else b["text"])
        out += [f["text"] for f in b.get("fields", [])]
        out += [e.get("text", "") for e in b.get("elements", []) if isinstance(e.get("text"), str)]
    return "\n".join(out)


def test_card_shows_everything_needed_to_answer(slack_client, fake_slack):
    case_id = seed(slack_client, "the salesperson at your store was so pushy I walked out <b>&")
    post = fake_slack.wait("chat.postMessage")[0]["args"]
    assert post["channel"] == "C0STORES"
    text = _texts(post["blocks"])
    assert "<!subteam^S0STOREOPS>" in text  # the owner is mentioned
    assert "HIGH · Pushy or rude staff (stores, drivers, security, agents)" in text
    assert "large reach (12,000 followers)" in text and "verified author" in text  # urgency reasons
    assert "*Jane* (@jane_doe)" in text and "12,000 followers" in text
    assert "<https://x.com/jane/status/1|original>" in text
    assert "&lt;b&gt;&amp;" in text  # the customer's text cannot inject mentions or links
    assert "negative (0.93)" in text and "yes (0.97)" in text
    assert "Pushy or rude staff (stores, drivers, security, agents) (0.72)" in text
    assert "*Similar in the last 24 h*\n0" in text
    assert "acknowledge within 15 min" in text and "<!date^" in text
    suggestions = [b for b in post["blocks"] if b.get("block_id", "").startswith("suggestion_")]
    assert 2 <= len(suggestions) <= 3
    assert "{name}" not in text and "Hi Jane" in text and f"RR-{case_id[:8].upper()}" in text
    actions = next(b for b in post["blocks"] if b["type"] == "actions")
    assert [e["action_id"] for e in actions["elements"]] == [
        "case_ack",
        "case_reply",
        "case_remind",
        "case_resolve",
        "case_snooze",
        "case_wrong",
    ]

    case = wait_posted(slack_client, case_id)
    assert case["escalation"]["channel"] == "C0STORES" and case["escalation"]["ts"]
    notified = [e for e in case["timeline"] if e["type"] == "notified"]
    assert notified and notified[0]["data"] == {"channel": "C0STORES", "ts": case["escalation"]["ts"]}


def test_card_stays_within_slack_limits_for_huge_text(slack_client, fake_slack):
    person = {"handle": "h" * 256, "name": "N" * 256, "followers": 10**9}
    seed(slack_client, "pushy staff " * 833, person=person)  # 9,996 characters: the most a mention may have
    post = fake_slack.wait("chat.postMessage")[0]["args"]
    blocks = post["blocks"]
    assert len(blocks) <= 50 and len(json.dumps(blocks)) <= 12000
    for block in blocks:
        if block["type"] == "header":
            assert len(block["text"]["text"]) <= 150
        if block["type"] == "section":
            assert len(block.get("text", {}).get("text", "")) <= 3000
            assert all(len(f["text"]) <= 2000 for f in block.get("fields", []))
        for element in block.get("elements", []):
            if element.get("type") == "button":
                assert len(element["text"]["text"]) <= 75 and len(element["value"]) <= 2000
    quote = next(b for b in blocks if b.get("block_id") == "text")["text"]["text"]
    assert len(quote) <= 1502 and quote.endswith("…")
    assert len(post["text"]) <= 300


def test_similar_cases_in_last_day_are_counted(slack_client, fake_slack):
    seed(slack_client, "rude cashier at the checkout")
    fake_slack.wait("chat.postMessage")
    case_id = seed(slack_client, "the sales assistant kept pressuring me to buy the extended warranty")
    posts = fake_slack.wait("chat.postMessage", 2)
    assert "*Similar in the last 24 h*\n1" in _texts(posts[1]["args"]["blocks"])
    assert wait_posted(slack_client, case_id)["escalation"]["status"] == "posted"


def test_customer_text_cannot_ping_a_channel_or_disguise_a_link_in_notifications(slack_client, fake_slack):
    """The plain-text `text` of chat.postMessage is what notifications show: Slack parses <...> there too."""
    hostile = "pushy staff <!channel> <https://evil.example|your bank> & more"
    seed(slack_client, hostile)
    card = fake_slack.wait("chat.postMessage")[0]["args"]
    assert "<!channel>" not in card["text"] and "<https://evil" not in card["text"]
    assert "&lt;!channel&gt; &lt;https://evil.example|your bank&gt; &amp; more" in card["text"]
    assert "<!channel>" not in json.dumps(card["blocks"])


def test_reminder_notification_text_is_escaped():
    from bot.slack.messages import reminder_blocks

    text, blocks = reminder_blocks(
        reminder_id=1, text="<!here> read <https://evil.example|this>", actor="Jo", ref="#A1"
    )
    assert text == "&lt;!here&gt; read &lt;https://evil.example|this&gt;"
    assert "<!here>" not in json.dumps(blocks)


def test_the_card_says_how_many_complaints_this_customer_made_this_week(slack_client, fake_slack):
    from tests.conftest import make_token

    ann = {"handle": "ann_w", "followers": 300}
    first = seed(slack_client, "rude cashier at the checkout", person=ann)
    fake_slack.wait("chat.postMessage")
    assert "*This customer*" not in _texts(fake_slack.ok_calls("chat.postMessage")[0]["args"]["blocks"])
    # her ticket, under her email, linked to her handle by an agent: the same customer
    ticket = seed(
        slack_client,
        "the manager ignored me at the returns desk",
        category="pushy_staff",
        person={"handle": "ann@example.com"},
    )
    headers = make_token(slack_client, "agent")
    linked = slack_client.post(f"/v1/cases/{ticket}/link", json={"person": "@Ann_W"}, headers=headers).json()
    assert [e["data"]["with"] for e in linked["timeline"] if e["type"] == "person_linked"] == ["ann_w"]
    again = slack_client.post(f"/v1/cases/{ticket}/link", json={"person": "ann_w"}, headers=headers).json()
    assert [e["type"] for e in again["timeline"]].count("person_linked") == 1  # linking twice changes nothing
    other_side = slack_client.get(f"/v1/cases/{first}", headers=headers).json()
    assert [e["data"]["case_id"] for e in other_side["timeline"] if e["type"] == "person_linked"] == [ticket]
    third = seed(slack_client, "and the staff at the till laughed at me today", person=ann)
    wait_posted(slack_client, third)
    cards = [c for c in fake_slack.ok_calls("chat.postMessage") if not c["args"].get("thread_ts")]
    assert "*This customer*\n3rd complaint in 7 days" in _texts(cards[-1]["args"]["blocks"])
