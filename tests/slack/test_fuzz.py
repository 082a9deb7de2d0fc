"""Validly signed but malformed Slack deliveries: whatever the shape, a 2xx or 4xx answer, never a 500, and the
person who clicked is never left with Bolt's "didn't call ack()" warning (Hypothesis generates the payloads)."""

from __future__ import annotations

import json
import logging
from typing import Any
from urllib.parse import urlencode

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.slack.conftest import case_json, interaction, post_signed, seed, submit

TYPES = ["block_actions", "view_submission", "view_closed", "shortcut", "message_action", "block_suggestion", "x"]
ACTIONS = ["case_ack", "case_resolve", "case_snooze", "case_reply", "case_reply_1", "case_remind", "case_wrong"]
CALLBACKS = ["case_reply_modal", "case_remind_modal", "case_wrong_modal", "other"]

scalars = st.one_of(st.none(), st.booleans(), st.integers(), st.text(max_size=20), st.floats(allow_nan=False))
junk = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
    max_leaves=8,
)


def maybe(strategy: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """The field as it should be, a wrong type, or missing (None means: leave it out)."""
    return st.one_of(strategy, junk, st.none())


users = maybe(st.fixed_dictionaries({"id": maybe(st.text(min_size=1, max_size=12))}, optional={"name": junk}))
action = st.fixed_dictionaries(
    {"action_id": maybe(st.sampled_from(ACTIONS)), "value": maybe(st.text(max_size=40))}, optional={"type": junk}
)
view = st.fixed_dictionaries(
    {
        "id": maybe(st.text(max_size=12)),
        "callback_id": maybe(st.sampled_from(CALLBACKS)),
        "private_metadata": maybe(st.text(max_size=40)),
        "state": maybe(st.fixed_dictionaries({"values": junk})),
    }
)
payloads = st.fixed_dictionaries(
    {"type": st.sampled_from(TYPES)},
    optional={
        "user": users,
        "actions": maybe(st.lists(action, max_size=2)),
        "view": maybe(view),
        "trigger_id": junk,
        "channel": junk,
        "container": junk,
    },
)


def _clean(payload: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in payload.items() if v is not None}


@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(payload=payloads)
def test_signed_interactions_of_any_shape_never_get_a_500(slack_client, payload, caplog, database_url):
    if not database_url.startswith("sqlite"):
        pytest.skip("the payload's shape is checked before any database work: once is enough")
    body, ctype = interaction(_clean(payload))
    with caplog.at_level(logging.WARNING):
        answer = post_signed(slack_client, body, ctype)
    assert answer.status_code < 500, (answer.status_code, answer.text, payload)
    assert "didn't call ack()" not in caplog.text


def test_signed_bodies_that_are_not_payloads_are_4xx(slack_client):
    form = "application/x-www-form-urlencoded"
    for body, ctype in [
        (urlencode({"payload": "{not json"}), form),
        (urlencode({"payload": json.dumps([1, 2])}), form),
        (urlencode({"payload": json.dumps("text")}), form),
        ("", form),
        ("{broken", "application/json"),
        (json.dumps([1]), "application/json"),
        (json.dumps({"type": "event_callback", "event": "nope"}), "application/json"),
        (json.dumps({"type": "url_verification"}), "application/json"),
    ]:
        answer = post_signed(slack_client, body, ctype)
        assert answer.status_code < 500, (body, answer.status_code, answer.text)


def test_malformed_modal_submissions_are_answered_and_never_stored(slack_client, caplog):
    case_id = seed(slack_client)
    states = [
        {"reply_text": 5},
        {"reply_text": {"text": {"value": ["not", "text"]}}, "reply_mode": {"mode": {"selected_option": 3}}},
        {"remind_text": {"text": {"value": "x"}}, "remind_channels": {"channels": {"selected_conversations": "C1"}}},
        {"sentiment": {"value": {"selected_option": {"value": "furious"}}}},
        {"risks": {"value": {"selected_options": ["injury", 7]}}},
    ]
    with caplog.at_level(logging.WARNING):
        for i, values in enumerate(states):
            for callback in CALLBACKS[:3]:
                answer = submit(slack_client, callback, case_id, values, view_id=f"V{i}{callback}")
                assert answer.status_code == 200, (callback, values, answer.text)
    assert "didn't call ack()" not in caplog.text
    types = [e["type"] for e in case_json(slack_client, case_id)["timeline"]]  # nothing malformed was stored
    assert "feedback" not in types and "replied" not in types and "reminder_sent" not in types
