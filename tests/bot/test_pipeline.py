"""From 202 to a classified, triaged, escalated case, with the real model and the example playbook."""

from __future__ import annotations

from tests.bot.helpers import mention, ticket
from tests.conftest import wait_for


def _classified(client, headers, case_id):
    def check():
        case = client.get(f"/v1/cases/{case_id}", headers=headers).json()
        return case if case["classification"] else None

    return wait_for(check)


def test_urgent_safety_complaint_is_classified_and_escalated_without_slack(app_client, admin):
    body = mention(
        "@acme your phone charger caught fire on my desk and burned it, my kids could have been hurt. "
        "Calling my lawyer",
        author={"handle": "safety_mom", "followers": 45000, "verified": True},
    )
    case_id = app_client.post("/v1/mentions", json=body, headers=admin).json()["case_id"]
    case = _classified(app_client, admin, case_id)
    cls = case["classification"]
    assert cls["sentiment"]["label"] == "negative"
    assert cls["complaint"]["is_complaint"] is True
    assert cls["category"]["name"] == "product_safety"
    assert cls["urgency"]["level"] in ("high", "critical")
    assert cls["urgency"]["reasons"]
    assert case["escalation"]["status"] == "pending"  # Slack is off: kept visible here
    assert case["escalation"]["channel"] == "C0SAFETY"
    types = [e["type"] for e in case["timeline"]]
    assert types[:3] == ["received", "classified", "escalated"]


def test_praise_is_classified_and_not_escalated(app_client, admin):
    body = mention("Shoutout to the team at @acme Camden, Jess helped me find the perfect gift! Love it")
    case_id = app_client.post("/v1/mentions", json=body, headers=admin).json()["case_id"]
    case = _classified(app_client, admin, case_id)
    assert case["classification"]["sentiment"]["label"] == "positive"
    assert case["classification"]["complaint"]["is_complaint"] is False
    assert case["escalation"]["status"] == "none"


def test_queue_puts_urgent_cases_first_then_oldest(app_client, admin):
    calm = mention("does your Manchester store open late on Thursdays?", created_at="2026-01-01T09:00:00+00:00")
    urgent = mention(
        "the heater sparked and caught fire, my son burned his hand. This is dangerous, I'm contacting the press",
        created_at="2026-01-01T10:00:00+00:00",
        author={"handle": "angry", "followers": 90000, "verified": True},
    )
    ids = [app_client.post("/v1/mentions", json=b, headers=admin).json()["case_id"] for b in (calm, urgent)]
    for case_id in ids:
        _classified(app_client, admin, case_id)
    items = app_client.get("/v1/cases", headers=admin).json()["items"]
    order = [c["id"] for c in items]
    assert order.index(ids[1]) < order.index(ids[0])
    ranks = ["low", "normal", "high", "critical"]
    levels = [ranks.index(c["classification"]["urgency"]["level"]) for c in items]
    assert levels == sorted(levels, reverse=True)


def test_ticket_context_vip_tier_raises_urgency(app_client, admin):
    text = "The assistant in your Bristol store was condescending and pressured me into a purchase."
    std = app_client.post(
        "/v1/tickets", json=ticket(text, requester={"email": "s@x.io", "tier": "standard"}), headers=admin
    ).json()["case_id"]
    vip = app_client.post(
        "/v1/tickets", json=ticket(text, requester={"email": "v@x.io", "tier": "vip"}), headers=admin
    ).json()["case_id"]
    a = _classified(app_client, admin, std)["classification"]["urgency"]
    b = _classified(app_client, admin, vip)["classification"]["urgency"]
    assert b["score"] > a["score"]
    assert any("vip" in r.lower() for r in b["reasons"])


def test_repeat_contact_from_the_same_author_is_counted(app_client, admin):
    ids = []
    for minutes in (30, 20, 10):
        body = mention(
            "still no reply about my refund",
            author={"handle": "repeat_rita", "followers": 10},
            created_at=f"2026-01-01T10:{60 - minutes:02d}:00+00:00",
        )
        ids.append(app_client.post("/v1/mentions", json=body, headers=admin).json()["case_id"])
    last = _classified(app_client, admin, ids[-1])["classification"]["urgency"]
    assert any("contact" in r for r in last["reasons"]), last


def test_classify_endpoint_keeps_order(app_client, admin):
    texts = ["I love this store!", "you charged me twice and nobody answers", "is it open on Sunday?"]
    response = app_client.post("/v1/classify", json={"texts": texts}, headers=admin)
    assert response.status_code == 200
    results = response.json()["results"]
    assert [r["sentiment"]["label"] for r in results][0] == "positive"
    assert results[1]["complaint"]["is_complaint"] is True
    assert app_client.post("/v1/classify", json={"texts": []}, headers=admin).status_code == 422
    assert app_client.post("/v1/classify", json={"texts": [" "]}, headers=admin).status_code == 422
