"""Support desks and signed webhooks: every request is verified (signature or secret, constant time, replay
window) before anything is stored; a reply goes back to the desk as one comment, even after an ambiguous
failure. Real httpx requests to a fake Zendesk/Freshdesk API on 127.0.0.1."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from bot.main import create_app
from tests.conftest import make_token, wait_for
from tests.sources.fake_desk import FakeDesk

ZENDESK_SECRET = "zd-webhook-s3cr3t"
FRESHDESK_SECRET = "fd-header-s3cr3t"
ROTATING = ("old-s3cr3t", "new-s3cr3t")


@pytest.fixture(scope="module")
def desk_server() -> Iterator[FakeDesk]:
    server = FakeDesk()
    yield server
    server.stop()


@pytest.fixture
def desk(desk_server: FakeDesk) -> FakeDesk:
    desk_server.reset()
    return desk_server


@pytest.fixture
def client(make_settings: Any, desk: FakeDesk) -> Iterator[TestClient]:
    settings = make_settings(
        zendesk_webhook_secret=ZENDESK_SECRET,
        zendesk_url=desk.url,
        zendesk_email="bot@acme.example",
        zendesk_api_token="zd-api-s3cr3t",
        freshdesk_webhook_secret=FRESHDESK_SECRET,
        freshdesk_url=desk.url,
        freshdesk_api_key="fd-api-s3cr3t",
        webhook_secrets=",".join(ROTATING),
    )
    with TestClient(create_app(settings)) as test_client:
        yield test_client


def _now() -> str:
    return datetime.now(UTC).isoformat()


def zendesk_event(ticket_id: int = 101, **ticket: Any) -> dict[str, Any]:
    return {
        "event": "ticket_created",
        "ticket": {
            "id": ticket_id,
            "subject": "Charged twice",
            "description": "You took the money twice for order 5531 and nobody answers my emails.",
            "created_at": (datetime.now(UTC) - timedelta(minutes=3)).isoformat(),
            "priority": "high",
            "requester": {"name": "Jane Roe", "email": "jane@example.com"},
            **ticket,
        },
    }


def zendesk_headers(raw: bytes, *, secret: str = ZENDESK_SECRET, stamp: str | None = None) -> dict[str, str]:
    stamp = stamp or datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    signature = base64.b64encode(hmac.new(secret.encode(), stamp.encode() + raw, hashlib.sha256).digest()).decode()
    return {
        "X-Zendesk-Webhook-Signature": signature,
        "X-Zendesk-Webhook-Signature-Timestamp": stamp,
        "Content-Type": "application/json",
    }


def _cases(client: TestClient) -> list[dict[str, Any]]:
    return client.get("/v1/cases", headers=make_token(client, "agent")).json()["items"]


def test_zendesk_events_with_valid_signatures_become_cases_once(client):
    raw = json.dumps(zendesk_event()).encode()
    first = client.post("/v1/webhooks/zendesk", content=raw, headers=zendesk_headers(raw))
    assert first.status_code == 202
    again = client.post("/v1/webhooks/zendesk", content=raw, headers=zendesk_headers(raw))  # Zendesk retries
    assert again.status_code == 200 and again.json() == {"case_id": first.json()["case_id"], "duplicate": True}
    (case,) = _cases(client)
    assert case["kind"] == "ticket" and case["source"] == "zendesk" and case["external_id"] == "101"
    assert case["requester"]["email"] == "jane@example.com"

    comment = {
        "event": "comment_added",
        "ticket": zendesk_event()["ticket"],
        "comment": {"id": 9001, "body": "Still nothing. I am calling my bank.", "created_at": _now()},
    }
    raw = json.dumps(comment).encode()
    assert client.post("/v1/webhooks/zendesk", content=raw, headers=zendesk_headers(raw)).status_code == 202
    assert {c["external_id"] for c in _cases(client)} == {"101", "101:comment:9001"}


def test_zendesk_changed_body_wrong_secret_or_stale_timestamp_get_401_and_nothing_is_stored(client):
    raw = json.dumps(zendesk_event()).encode()
    tampered = raw.replace(b"twice", b"thrice")
    old = (datetime.now(UTC) - timedelta(minutes=6)).strftime("%Y-%m-%dT%H:%M:%SZ")
    attempts = [
        (tampered, zendesk_headers(raw)),
        (raw, zendesk_headers(raw, secret="not-the-secret")),
        (raw, zendesk_headers(raw, stamp=old)),
        (raw, {"Content-Type": "application/json"}),
    ]
    for body, headers in attempts:
        response = client.post("/v1/webhooks/zendesk", content=body, headers=headers)
        assert response.status_code == 401 and response.json()["error"]["code"] == "unauthorized"
        assert ZENDESK_SECRET not in response.text
    assert _cases(client) == []


def test_a_signed_but_malformed_zendesk_event_is_a_422_naming_the_field(client):
    raw = json.dumps({"event": "ticket_created", "ticket": {"subject": "no id"}}).encode()
    response = client.post("/v1/webhooks/zendesk", content=raw, headers=zendesk_headers(raw))
    assert response.status_code == 422 and response.json()["error"]["details"][0]["field"] == "ticket.id"


def _reply(client: TestClient, case_id: str, text: str) -> None:
    admin = make_token(client, "admin")
    assert (
        client.post(f"/v1/cases/{case_id}/reply", json={"text": text, "send": True}, headers=admin).status_code == 200
    )


def _posted_event(client: TestClient, case_id: str) -> dict[str, Any]:
    def find() -> dict[str, Any] | None:
        case = client.get(f"/v1/cases/{case_id}", headers=make_token(client, "agent")).json()
        return next((e for e in case["timeline"] if e["type"] == "reply_posted"), None)

    return wait_for(find, timeout=20)


def test_a_reply_reaches_zendesk_as_one_public_comment_even_after_an_ambiguous_failure(client, desk):
    desk.ambiguous = 1  # the comment is added but the answer is a 503
    raw = json.dumps(zendesk_event(ticket_id=202)).encode()
    case_id = client.post("/v1/webhooks/zendesk", content=raw, headers=zendesk_headers(raw)).json()["case_id"]
    _reply(client, case_id, "Sorry Jane, the second charge is refunded today.")
    event = _posted_event(client, case_id)
    (put,) = desk.posted("PUT")
    assert put["path"] == "/api/v2/tickets/202" and put["user"] == "bot@acme.example/token:zd-api-s3cr3t"
    assert put["body"] == {
        "ticket": {"comment": {"body": "Sorry Jane, the second charge is refunded today.", "public": True}}
    }
    assert event["data"]["found_after_ambiguous_failure"] is True and event["data"]["ticket"] == "202"
    assert len(desk.comments["202"]) == 1


def freshdesk_body(ticket_id: int = 77) -> dict[str, Any]:
    return {
        "freshdesk_webhook": {
            "ticket_id": ticket_id,
            "ticket_subject": "Broken kettle",
            "ticket_description": "The kettle sparked and tripped the fuse. My son was next to it.",
            "ticket_contact_name": "Sam Lee",
            "ticket_contact_email": "sam@example.com",
            "ticket_priority": "Urgent",
            "ticket_created_at": (datetime.now(UTC) - timedelta(minutes=1)).isoformat(),
        }
    }


def test_freshdesk_needs_its_secret_header_and_replies_go_back_to_the_ticket(client, desk):
    body = freshdesk_body()
    assert client.post("/v1/webhooks/freshdesk", json=body).status_code == 401
    assert client.post("/v1/webhooks/freshdesk", json=body, headers={"X-RRBot-Secret": "wrong"}).status_code == 401
    assert _cases(client) == []
    created = client.post("/v1/webhooks/freshdesk", json=body, headers={"X-RRBot-Secret": FRESHDESK_SECRET})
    assert created.status_code == 202
    _reply(client, created.json()["case_id"], "We are sorry, Sam <3 a safety lead will call you.")
    _posted_event(client, created.json()["case_id"])
    (post,) = desk.posted("POST")
    assert post["path"] == "/api/v2/tickets/77/reply" and post["user"] == "fd-api-s3cr3t:X"
    assert post["body"] == {"body": "We are sorry, Sam &lt;3 a safety lead will call you."}  # sent as HTML, escaped


def _signed(raw: bytes, secret: str, *, at: int | None = None) -> dict[str, str]:
    stamp = str(at if at is not None else int(time.time()))
    digest = hmac.new(secret.encode(), f"{stamp}.".encode() + raw, hashlib.sha256).hexdigest()
    return {"RRBot-Signature": f"t={stamp},v1={digest}", "Content-Type": "application/json"}


def test_generic_webhook_accepts_either_secret_during_a_rotation_and_nothing_unsigned(client):
    mention = {
        "source": "trustpilot",
        "external_id": "r-1",
        "text": "Staff laughed at my disabled brother at the till.",
        "created_at": _now(),
        "author": {"handle": "reviewer9"},
    }
    raw = json.dumps(mention).encode()
    for secret in ROTATING:
        assert client.post("/v1/webhooks/generic", content=raw, headers=_signed(raw, secret)).status_code in (200, 202)
    ticket = {"source": "email", "external_id": "m-1", "body": "Please close my account", "created_at": _now()}
    raw_ticket = json.dumps(ticket).encode()
    assert (
        client.post("/v1/webhooks/generic", content=raw_ticket, headers=_signed(raw_ticket, ROTATING[1])).status_code
        == 202
    )
    other = raw.replace(b"r-1", b"r-2")
    bad = [
        _signed(other, "retired-secret"),
        _signed(other, ROTATING[0], at=int(time.time()) - 600),  # correctly signed, outside the window
        {**_signed(raw, ROTATING[0])},  # signed for another body
        {"RRBot-Signature": "v1=deadbeef", "Content-Type": "application/json"},
        {"Content-Type": "application/json"},
    ]
    for headers in bad:
        assert client.post("/v1/webhooks/generic", content=other, headers=headers).status_code == 401
    assert sorted((c["kind"], c["external_id"]) for c in _cases(client)) == [("mention", "r-1"), ("ticket", "m-1")]


def test_webhooks_that_are_not_configured_say_so(make_settings):
    with TestClient(create_app(make_settings())) as bare:
        response = bare.post("/v1/webhooks/zendesk", content=b"{}", headers={"Content-Type": "application/json"})
        assert response.status_code == 503 and "RRBOT_ZENDESK_WEBHOOK_SECRET" in response.json()["error"]["message"]


def test_readyz_and_the_queue_page_show_each_desk_source_its_last_ticket_and_its_replies(client, desk):
    from tests.web.conftest import login

    before = client.get("/readyz").json()["sources"]["zendesk"]
    assert before["webhook"] is True and before["last_received_at"] is None and before["status"] == "ok"
    raw = json.dumps(zendesk_event(ticket_id=303)).encode()
    case_id = client.post("/v1/webhooks/zendesk", content=raw, headers=zendesk_headers(raw)).json()["case_id"]
    _reply(client, case_id, "Sorry Jane, refunded today.")
    _posted_event(client, case_id)
    after = client.get("/readyz").json()["sources"]["zendesk"]
    assert after["last_received_at"] and after["replies"] == {"posted": 1} and after["status"] == "ok"
    login(client, "agent")
    line = client.get("/").text.split('id="source-zendesk">')[1].split("</p>")[0]
    assert "ok · last ticket 20" in line  # a date, not "none yet"
