"""Ingest: 202 once per (source, external_id), clear errors for bad input, nothing stored twice."""

from __future__ import annotations

import json

import pytest

from tests.bot.helpers import mention, ticket
from tests.conftest import make_token


def test_mention_is_accepted_then_a_duplicate_returns_the_first_case(app_client, admin):
    body = mention()
    first = app_client.post("/v1/mentions", json=body, headers=admin)
    assert first.status_code == 202
    assert first.json()["duplicate"] is False
    again = app_client.post("/v1/mentions", json=body, headers=admin)
    assert again.status_code == 200
    assert again.json() == {"case_id": first.json()["case_id"], "duplicate": True}
    case = app_client.get(f"/v1/cases/{first.json()['case_id']}", headers=admin).json()
    assert case["kind"] == "mention" and case["author"]["handle"] == "customer"
    assert [e["type"] for e in case["timeline"]][0] == "received"


def test_ticket_is_accepted_with_requester(app_client, admin):
    response = app_client.post("/v1/tickets", json=ticket(), headers=admin)
    assert response.status_code == 202
    case = app_client.get(f"/v1/cases/{response.json()['case_id']}", headers=admin).json()
    assert case["kind"] == "ticket" and case["requester"]["email"] == "a@example.com"
    assert case["subject"] == "Billing"


def test_batch_reports_each_item_in_order(app_client, admin):
    good = mention()
    items = [good, {"source": "x", "external_id": "b-1", "text": ""}, good, "not an object"]
    response = app_client.post("/v1/mentions/batch", json={"items": items}, headers=admin)
    assert response.status_code == 200
    results = response.json()["results"]
    assert len(results) == 4
    assert results[0]["duplicate"] is False
    fields = {d["field"] for d in results[1]["error"]["details"]}
    assert {"text", "created_at", "author"} <= fields
    assert results[2] == {"case_id": results[0]["case_id"], "duplicate": True}
    assert "error" in results[3]


def test_batch_over_500_items_is_rejected(app_client, admin):
    response = app_client.post("/v1/mentions/batch", json={"items": [mention() for _ in range(501)]}, headers=admin)
    assert response.status_code == 422
    assert response.json()["error"]["details"][0]["field"] == "items"


def _error(response):
    body = response.json()
    assert set(body) == {"error"}
    return body["error"]


def test_malformed_mentions_get_field_and_reason(app_client, admin):
    cases = {
        "text": mention(text="   "),
        "author.followers": mention(author={"handle": "a", "followers": "many"}),
        "created_at": mention(created_at="yesterday"),
        "source": mention(source="has spaces!"),
    }
    for field, body in cases.items():
        response = app_client.post("/v1/mentions", json=body, headers=admin)
        assert response.status_code == 422, field
        assert field in {d["field"] for d in _error(response)["details"]}, (field, response.json())
    missing = mention()
    del missing["author"]
    response = app_client.post("/v1/mentions", json=missing, headers=admin)
    assert {d["field"] for d in _error(response)["details"]} == {"author"}


def test_timestamps_need_an_offset_and_must_not_be_in_the_future(app_client, admin):
    naive = app_client.post("/v1/mentions", json=mention(created_at="2026-01-01T10:00:00"), headers=admin)
    assert naive.status_code == 422
    future = app_client.post("/v1/mentions", json=mention(created_at="2999-01-01T10:00:00+00:00"), headers=admin)
    assert future.status_code == 422
    assert "future" in _error(future)["details"][0]["reason"]


def test_text_over_10000_characters_is_rejected(app_client, admin):
    response = app_client.post("/v1/mentions", json=mention(text="a" * 10_001), headers=admin)
    assert response.status_code == 422
    assert _error(response)["details"][0]["field"] == "text"


def test_body_over_one_megabyte_is_413(app_client, admin):
    payload = json.dumps({"items": [mention(text="x" * 9000) for _ in range(130)]})
    assert len(payload) > 1_048_576
    response = app_client.post(
        "/v1/mentions/batch", content=payload, headers={**admin, "Content-Type": "application/json"}
    )
    assert response.status_code == 413
    assert _error(response)["code"] == "payload_too_large"


def test_wrong_content_type_is_415_and_bad_json_is_400(app_client, admin):
    response = app_client.post("/v1/mentions", content="text=hi", headers={**admin, "Content-Type": "text/plain"})
    assert response.status_code == 415
    response = app_client.post(
        "/v1/mentions", content="{not json", headers={**admin, "Content-Type": "application/json"}
    )
    assert response.status_code == 400
    assert _error(response)["code"] == "invalid_json"


def test_tokens_are_required_and_scoped(app_client):
    assert app_client.post("/v1/mentions", json=mention()).status_code == 401
    bad = app_client.post("/v1/mentions", json=mention(), headers={"Authorization": "Bearer rrb_nope"})
    assert bad.status_code == 401 and _error(bad)["code"] == "unauthorized"
    agent = make_token(app_client, "agent")
    forbidden = app_client.post("/v1/mentions", json=mention(), headers=agent)
    assert forbidden.status_code == 403
    assert _error(forbidden)["details"]["required"] == "ingest"
    ingest = make_token(app_client, "ingest")
    assert app_client.post("/v1/mentions", json=mention(), headers=ingest).status_code == 202
    assert app_client.get("/v1/cases", headers=ingest).status_code == 403
    assert app_client.get("/v1/metrics/response-times", headers=agent).status_code == 403


def test_tokens_are_stored_hashed(app_client):
    import sqlalchemy as sa

    from bot.models import ApiToken

    headers = make_token(app_client, "ingest")
    token = headers["Authorization"].split()[1]
    with app_client.app.state.ctx.session_factory() as session:
        stored = session.execute(sa.select(ApiToken.token_hash, ApiToken.prefix)).all()
    assert all(token != h and token not in h for h, _ in stored)


def test_health_and_readiness(app_client):
    assert app_client.get("/healthz").json() == {"status": "ok"}
    ready = app_client.get("/readyz")
    assert ready.status_code == 200
    assert ready.json()["components"]["database"]["status"] == "ok"
    assert ready.json()["components"]["model"]["status"] == "ok"


def test_concurrent_duplicate_deliveries_create_one_case(app_client, admin):
    from concurrent.futures import ThreadPoolExecutor

    body = mention("my parcel is two weeks late")
    with ThreadPoolExecutor(16) as pool:
        responses = list(pool.map(lambda _: app_client.post("/v1/mentions", json=body, headers=admin), range(32)))
    assert sorted(r.status_code for r in responses) == [200] * 31 + [202]
    assert len({r.json()["case_id"] for r in responses}) == 1
    items = app_client.get("/v1/cases", headers=admin).json()["items"]
    assert [c["external_id"] for c in items] == [body["external_id"]]


def test_nul_characters_are_refused_per_item_not_as_a_500(app_client, admin):
    response = app_client.post("/v1/mentions", json=mention(text="broken\u0000text"), headers=admin)
    assert response.status_code == 422 and _error(response)["details"][0]["field"] == "text"
    handle = mention(author={"handle": "a\u0000b"})
    assert app_client.post("/v1/mentions", json=handle, headers=admin).status_code == 422
    batch = {"items": [mention(), mention(external_id="nul\u0000id"), mention()]}
    results = app_client.post("/v1/mentions/batch", json=batch, headers=admin).json()["results"]
    assert [("error" in r) for r in results] == [False, True, False]
    assert app_client.get("/v1/cases/a%00b", headers=admin).status_code == 404


def test_absurd_reach_is_refused_with_a_reason(app_client, admin):
    response = app_client.post("/v1/mentions", json=mention(author={"handle": "x", "followers": 10**30}), headers=admin)
    assert response.status_code == 422
    assert _error(response)["details"][0]["field"] == "author.followers"


@pytest.mark.parametrize(
    "position",
    [
        ["Infinity", "2026-01-01T00:00:00+00:00", "c"],
        [2**63, "2026-01-01T00:00:00+00:00", "c"],
        [1, "2026-01-01T00:00:00", "c"],
        [1, "2026-01-01T00:00:00+00:00", "x" * 500],
    ],
)
def test_crafted_cursors_are_a_422(app_client, admin, position):
    import base64

    raw = json.dumps(position).replace('"Infinity"', "Infinity").encode()
    cursor = base64.urlsafe_b64encode(raw).decode().rstrip("=")
    response = app_client.get("/v1/cases", params={"cursor": cursor}, headers=admin)
    assert response.status_code == 422 and _error(response)["details"][0]["field"] == "cursor"


def test_a_wrong_method_is_405_with_the_allowed_ones(app_client, admin):
    response = app_client.request("TRACE", "/healthz")
    assert response.status_code == 405 and response.headers["allow"] == "GET"
    assert _error(response)["code"] == "method_not_allowed"


def test_openapi_lists_the_error_responses_of_every_v1_route(app_client):
    spec = app_client.get("/openapi.json").json()
    for path, methods in spec["paths"].items():
        if not path.startswith("/v1/"):
            continue
        for method, operation in methods.items():
            listed = set(operation["responses"])
            assert {"401", "403", "404", "422"} <= listed, (method, path, listed)
            assert operation["responses"]["404"]["content"]["application/json"]["schema"]["$ref"].endswith("ErrorBody")
