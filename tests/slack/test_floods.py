"""Floods: many near-identical complaints give one theme card whose count and examples update; every case is
still in the queue; distinct complaints keep their own cards."""

from __future__ import annotations

from tests.conftest import wait_for
from tests.slack.conftest import case_json, click, kick, seed, wait_posted

VIRAL = "@acme your charger caught fire and burned my desk, dangerous product #{}"


def _cards(fake_slack, channel):
    return [
        c["args"]
        for c in fake_slack.ok_calls("chat.postMessage")
        if c["args"]["channel"] == channel and not c["args"].get("thread_ts")
    ]


def test_a_flood_of_similar_complaints_shares_one_card(slack_client, fake_slack, clock):
    first = seed(slack_client, VIRAL.format(0), category="product_safety", level="critical")
    wait_posted(slack_client, first)
    ids = [seed(slack_client, VIRAL.format(i), category="product_safety", level="critical") for i in range(1, 30)]
    for case_id in ids:
        wait_posted(slack_client, case_id)
    cases = [case_json(slack_client, i) for i in ids]
    assert len(_cards(fake_slack, "C0SAFETY")) == 1
    ts = case_json(slack_client, first)["escalation"]["ts"]
    assert {c["escalation"]["ts"] for c in cases} == {ts}
    missing = [
        (c["id"], [e["type"] for e in c["timeline"]], c["escalation"])
        for c in cases
        if not any(e["type"] == "notified" for e in c["timeline"])
    ]
    assert not missing
    clock.advance(2)  # theme updates wait a second, so a burst gives one update
    kick(slack_client)

    def updated_with_all():
        updates = fake_slack.ok_calls("chat.update")
        return updates and "30 similar complaints" in str(updates[-1]["args"]["blocks"]) and updates[-1]["args"]

    update = wait_for(updated_with_all)
    assert update["ts"] == ts and "30 similar: Product safety" in str(update["blocks"])
    assert len(fake_slack.ok_calls("chat.update")) < 10  # coalesced, not one update per case

    click(slack_client, "case_ack", first)  # the leader takes the whole theme
    wait_for(lambda: all(case_json(slack_client, i)["status"] == "acked" for i in [first, *ids]))
    thread = wait_for(
        lambda: [c["args"] for c in fake_slack.ok_calls("chat.postMessage") if c["args"].get("thread_ts")]
    )
    assert "Acknowledged by slack:U123 (Name U123) (30 cases)" in thread[0]["text"]


def test_distinct_complaints_of_one_category_keep_their_own_cards(slack_client, fake_slack):
    a = seed(slack_client, "the charger caught fire and burned my desk", category="product_safety")
    wait_posted(slack_client, a)
    b = seed(slack_client, "my child got hurt by a sharp edge on the toy", category="product_safety")
    wait_posted(slack_client, b)
    assert len(_cards(fake_slack, "C0SAFETY")) == 2


def test_a_new_risk_inside_a_flood_gets_its_own_card(slack_client, fake_slack):
    outage = "@acme your tracking page is down again, cannot see my parcel #{}"
    first = seed(slack_client, outage.format(0), category="delivery_delay")
    wait_posted(slack_client, first)
    for i in range(1, 6):
        wait_posted(slack_client, seed(slack_client, outage.format(i), category="delivery_delay"))
    assert len(_cards(fake_slack, "C0DELIVERY")) == 1
    # the same words, but this one also says someone's card data was exposed
    leak = seed(
        slack_client,
        outage.format(6) + " and it showed me someone else's name and home address",
        category="delivery_delay",
        risks=("privacy_security",),
    )
    wait_posted(slack_client, leak)
    assert len(_cards(fake_slack, "C0DELIVERY")) == 2
    assert case_json(slack_client, leak)["escalation"]["ts"] != case_json(slack_client, first)["escalation"]["ts"]
