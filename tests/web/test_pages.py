"""The agents' pages over HTTP: login and sessions, roles, CSRF, headers, the queue's filters, and every action on
the case page landing once on the timeline (the browser itself is driven in test_browser.py)."""

from __future__ import annotations

import re

from tests.bot.helpers import mention
from tests.conftest import make_token, wait_for
from tests.web.conftest import csrf_of, login


def _case(client, headers, text="order 7 is late, where is it?", **extra):
    case_id = client.post("/v1/mentions", json=mention(text, **extra), headers=headers).json()["case_id"]
    wait_for(lambda: client.get(f"/v1/cases/{case_id}", headers=headers).json()["classification"])
    return case_id


def test_login_keeps_a_session_id_not_the_token(app_client, admin):
    assert app_client.get("/", follow_redirects=False).headers["location"] == "/login?next=/"
    token = make_token(app_client, "agent")["Authorization"].split()[1]
    assert app_client.post("/login", data={"token": token, "csrf": "forged"}).status_code == 403
    form = app_client.get("/login")
    answer = app_client.post("/login", data={"token": token, "csrf": csrf_of(form.text)}, follow_redirects=False)
    assert answer.status_code == 303
    cookie = answer.headers["set-cookie"]
    assert "rrbot_session=" in cookie and token not in cookie
    assert "httponly" in cookie.lower() and "samesite=strict" in cookie.lower() and "max-age=43200" in cookie.lower()
    assert "Triaged queue" in app_client.get("/").text


def test_wrong_token_and_ingest_token_are_refused(app_client):
    form = app_client.get("/login")
    assert app_client.post("/login", data={"token": "rrb_nope", "csrf": csrf_of(form.text)}).status_code == 401
    ingest = make_token(app_client, "ingest")["Authorization"].split()[1]
    form = app_client.get("/login")
    assert app_client.post("/login", data={"token": ingest, "csrf": csrf_of(form.text)}).status_code == 403


def test_security_headers_on_every_page(app_client):
    for path in ("/login", "/healthz"):
        headers = app_client.get(path).headers
        assert headers["x-frame-options"] == "DENY" and headers["x-content-type-options"] == "nosniff"
        assert "frame-ancestors 'none'" in headers["content-security-policy"]
        assert headers["referrer-policy"]


def test_roles_agent_cannot_open_dashboard_or_admin(app_client):
    login(app_client, "agent")
    assert app_client.get("/dashboard").status_code == 403
    assert app_client.get("/admin").status_code == 403


def test_queue_escapes_customer_text_and_filters(app_client, admin):
    evil = _case(app_client, admin, "<script>alert(1)</script> my order is late")
    other = _case(app_client, admin, "the parcel never came", source="zendesk_social")
    login(app_client, "agent")
    page = app_client.get("/").text
    assert "<script>alert(1)</script>" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert f"/cases/{evil}" in page and f"/cases/{other}" in page
    only = app_client.get("/queue/rows", params={"source": "zendesk_social"}).text
    assert f"/cases/{other}" in only and f"/cases/{evil}" not in only
    found = app_client.get("/queue/rows", params={"q": "PARCEL"}).text
    assert f"/cases/{other}" in found and f"/cases/{evil}" not in found
    assert "Nothing here" in app_client.get("/queue/rows", params={"q": "100%_"}).text
    bad = app_client.get("/", params={"urgency": "extreme"})
    assert bad.status_code == 200 and "not one of" in bad.text


def test_every_action_from_the_case_page_lands_once(app_client, admin):
    case_id = _case(app_client, admin)
    csrf = login(app_client, "agent")
    page = app_client.get(f"/cases/{case_id}")
    assert page.status_code == 200 and "order 7 is late" in page.text
    once = re.search(r'name="once" value="([^"]+)-ack"', page.text).group(1)

    def act(name, **fields):
        data = {"csrf": csrf, "once": f"{once}-{name}", **fields}
        return app_client.post(f"/cases/{case_id}/{name}", data=data, follow_redirects=False)

    for _ in range(2):  # a double submission does nothing twice
        assert act("ack").headers["location"].endswith("done=ack")
    act("assign", to_me="1")
    act("reply", text="Sorry, we are on it")
    act("reply", text="Sorry, we are on it")
    act("snooze", minutes="30")
    act("remind", text="Check delivery times", channels="#stores")
    act("feedback", urgency="high", risks_given="1")
    act("resolve")
    act("reopen")
    case = app_client.get(f"/v1/cases/{case_id}", headers=admin).json()
    types = [e["type"] for e in case["timeline"]]
    for kind in ("acked", "assigned", "replied", "snoozed", "reminder_sent", "feedback", "resolved", "reopened"):
        assert types.count(kind) == 1, (kind, types)
    acked = next(e for e in case["timeline"] if e["type"] == "acked")
    assert acked["actor"] == "web:test-agent" and case["assignee"] == "test-agent"
    assert case["status"] == "replied"
    mine = app_client.get("/queue/rows", params={"mine": "true"}).text
    assert f"/cases/{case_id}" in mine


def test_forms_need_the_sessions_csrf_token_and_bad_input_is_explained(app_client, admin):
    case_id = _case(app_client, admin)
    csrf = login(app_client, "agent")
    forged = app_client.post(f"/cases/{case_id}/ack", data={"csrf": "x"})
    assert forged.status_code == 403
    empty = app_client.post(f"/cases/{case_id}/reply", data={"csrf": csrf, "text": "  "}, follow_redirects=False)
    assert "error=" in empty.headers["location"]
    shown = app_client.get(empty.headers["location"])
    assert "text: Value error, must not be empty" in shown.text
    unknown = app_client.post(f"/cases/{case_id}/explode", data={"csrf": csrf}, follow_redirects=False)
    assert "error=" in unknown.headers["location"]
    assert app_client.get("/cases/nope").status_code == 404
    acked = app_client.get(f"/v1/cases/{case_id}", headers=admin).json()
    assert acked["status"] == "new"


def test_logout_ends_the_session(app_client):
    csrf = login(app_client, "agent")
    app_client.post("/logout", data={"csrf": csrf})
    assert app_client.get("/", follow_redirects=False).status_code == 303


def test_nul_characters_and_absurd_dates_are_refused_not_500(app_client, admin):
    case_id = _case(app_client, admin)
    csrf = login(app_client, "manager")
    assert app_client.get("/v1/cases", params={"q": "a\x00b"}, headers=admin).status_code == 422
    assert app_client.get("/v1/cases", params={"owner": "\x00"}, headers=admin).status_code == 422
    bodies = (("reply", {"text": "hi\x00"}), ("assign", {"assignee": "a\x00"}), ("feedback", {"note": "\x00"}))
    for path, body in bodies:
        assert app_client.post(f"/v1/cases/{case_id}/{path}", json=body, headers=admin).status_code == 422, path
    web = app_client.post(f"/cases/{case_id}/reply", data={"csrf": csrf, "text": "x\x00y"}, follow_redirects=False)
    assert "error=" in web.headers["location"]
    assert "Nothing here" in app_client.get("/queue/rows", params={"q": "\x00"}).text
    for params in ({"until": "9999-12-31"}, {"since": "0001-01-01T00:00:00+05:00"}, {"source": "x\x00"}):
        assert app_client.get("/v1/metrics/response-times", params=params, headers=admin).status_code == 422, params
        assert app_client.get("/dashboard", params=params).status_code == 422, params
    famous = {"handle": "famous", "followers": 5_000_000_000}  # beyond a 32-bit integer
    _case(app_client, admin, "love the new store, thank you!", author=famous)
    assert app_client.get("/dashboard").status_code == 200


def test_one_customer_one_story_on_the_case_page(app_client, admin):
    on_x = _case(app_client, admin, "my parcel is late again", author={"handle": "bo_k"})
    ticket_body = {
        "source": "zendesk",
        "external_id": "z-story",
        "body": "Second time I write: the parcel never came and nobody answers.",
        "created_at": mention("x")["created_at"],
        "requester": {"email": "Bo@Example.com"},
    }
    ticket = app_client.post("/v1/tickets", json=ticket_body, headers=admin).json()["case_id"]
    csrf = login(app_client, "agent")
    page = app_client.get(f"/cases/{on_x}").text
    assert "1 complaint from this person" in page and f"/cases/{ticket}" not in page
    app_client.post(f"/cases/{on_x}/link", data={"csrf": csrf, "person": "bo@example.com"})
    page = app_client.get(f"/cases/{on_x}").text
    assert f"/cases/{ticket}" in page and "2 complaints from this person" in page and "bo@example.com" in page
    bad = app_client.post(f"/cases/{on_x}/link", data={"csrf": csrf, "person": " "}, follow_redirects=False)
    assert "error=" in bad.headers["location"]
