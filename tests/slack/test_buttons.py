"""Every button and modal, through signed requests to POST /slack/events: acked fast, idempotent, on the
timeline with the Slack user as actor, and shown on the card (chat.update) and in its thread."""

from __future__ import annotations

import time

from bot.db import transaction
from bot.triage.corrections import risk_corrections
from tests.conftest import wait_for
from tests.slack.conftest import case_json, click, ctx_of, seed, submit, wait_handled, wait_posted

JANE = "slack:U123 (Name U123)"


def _events(client, case_id, type_):
    return [e for e in case_json(client, case_id)["timeline"] if e["type"] == type_]


def _posted(client, fake_slack, **kwargs):
    case_id = seed(client, **kwargs)
    wait_posted(client, case_id)
    return case_id


def test_acknowledge_records_the_slack_user_once_and_updates_card_and_thread(slack_client, fake_slack):
    case_id = _posted(slack_client, fake_slack)
    started = time.monotonic()
    first = click(slack_client, "case_ack", case_id)
    assert first.status_code == 200 and time.monotonic() - started < 3
    assert click(slack_client, "case_ack", case_id).status_code == 200  # a double click
    wait_handled(slack_client, 2)
    update = fake_slack.wait("chat.update")[-1]["args"]
    thread = fake_slack.wait("chat.postMessage", 2)[1]["args"]
    acked = _events(slack_client, case_id, "acked")
    assert len(acked) == 1 and acked[0]["actor"] == JANE
    assert case_json(slack_client, case_id)["status"] == "acked"
    card = fake_slack.ok_calls("chat.postMessage")[0]["args"]
    assert update["ts"] == thread["thread_ts"] == case_json(slack_client, case_id)["escalation"]["ts"]
    assert update["channel"] == card["channel"]
    assert "acknowledged by slack:U123 (Name U123)" in str(update["blocks"])
    assert "case_ack" not in str(update["blocks"])  # no Acknowledge button any more
    assert "Acknowledged by slack:U123 (Name U123)" in thread["text"]
    assert len(fake_slack.ok_calls("users.info")) <= 2  # the agent is remembered (both clicks may race)


def test_resolve_and_snooze_are_idempotent(slack_client, fake_slack):
    case_id = _posted(slack_client, fake_slack)
    for _ in range(2):
        click(slack_client, "case_snooze", case_id)
    wait_for(lambda: _events(slack_client, case_id, "snoozed"))
    for _ in range(2):
        click(slack_client, "case_resolve", case_id)
    wait_handled(slack_client, 4)
    assert len(_events(slack_client, case_id, "resolved")) == 1
    assert len(_events(slack_client, case_id, "snoozed")) == 1
    assert case_json(slack_client, case_id)["status"] == "resolved"


def test_reply_modal_is_prefilled_and_defaults_to_an_internal_note(slack_client, fake_slack):
    case_id = _posted(slack_client, fake_slack)
    click(slack_client, "case_reply_1", f"{case_id}:1")
    view = fake_slack.wait("views.open")[0]["args"]
    assert view["trigger_id"] == "trigger-case_reply_1"
    blocks = view["view"]["blocks"]
    card = fake_slack.ok_calls("chat.postMessage")[0]["args"]["blocks"]
    second = next(b for b in card if b.get("block_id") == "suggestion_1")["text"]["text"]
    assert blocks[0]["element"]["initial_value"] in second.replace("&amp;", "&")
    assert blocks[1]["element"]["initial_option"]["value"] == "internal"

    values = {
        "reply_text": {"text": {"type": "plain_text_input", "value": "We are on it"}},
        "reply_mode": {"mode": {"type": "radio_buttons", "selected_option": {"value": "internal"}}},
    }
    assert submit(slack_client, "case_reply_modal", case_id, values, view_id="V-r1").status_code == 200
    assert submit(slack_client, "case_reply_modal", case_id, values, view_id="V-r1").status_code == 200  # twice
    wait_handled(slack_client, 2)
    replied = _events(slack_client, case_id, "replied")
    assert len(replied) == 1 and replied[0]["data"] == {"text": "We are on it", "send": False}
    assert replied[0]["actor"] == JANE


def test_reply_to_the_customer_waits_for_its_source_connector_and_says_so_on_the_case_and_in_slack(
    slack_client, fake_slack
):
    """No X connector is configured: the reply row ends `waiting` for "x" (never silently pending), the case's
    timeline says why, and the card's thread shows it."""
    from bot.escalation import card_sync
    from bot.models import Outbox
    from tests.slack.conftest import run_job

    case_id = _posted(slack_client, fake_slack)
    values = {
        "reply_text": {"text": {"value": "Sorry Jane, DM us"}},
        "reply_mode": {"mode": {"selected_option": {"value": "customer"}}},
    }
    submit(slack_client, "case_reply_modal", case_id, values, view_id="V-r2")
    waiting = wait_for(lambda: _events(slack_client, case_id, "delivery_waiting"))
    assert waiting[0]["data"]["connector"] == "x" and "X_API_KEY" in waiting[0]["data"]["reason"]
    with transaction(ctx_of(slack_client).session_factory) as session:
        rows = session.query(Outbox).filter_by(case_id=case_id, kind="reply").all()
        assert len(rows) == 1 and rows[0].payload["text"] == "Sorry Jane, DM us"
        assert (rows[0].status, rows[0].waiting_for, rows[0].error_code) == ("waiting", "x", "no_connector")
    run_job(slack_client, card_sync.sync)
    thread = wait_for(lambda: [c for c in fake_slack.ok_calls("chat.postMessage") if "is waiting" in c["args"]["text"]])
    assert "reply to the customer is waiting" in thread[0]["args"]["text"]


def test_empty_reply_is_refused_in_the_modal(slack_client, fake_slack):
    case_id = _posted(slack_client, fake_slack)
    values = {"reply_text": {"text": {"value": "  "}}, "reply_mode": {"mode": {"selected_option": None}}}
    response = submit(slack_client, "case_reply_modal", case_id, values, view_id="V-r3")
    assert response.status_code == 200 and response.json()["response_action"] == "errors"
    assert not _events(slack_client, case_id, "replied")


def test_wrong_button_stores_a_correction_as_feedback(slack_client, fake_slack):
    case_id = _posted(slack_client, fake_slack)
    click(slack_client, "case_wrong", case_id)
    view = fake_slack.wait("views.open")[0]["args"]["view"]
    assert [b["block_id"] for b in view["blocks"]] == ["sentiment", "urgency", "is_complaint", "risks", "category"]
    values = {
        "urgency": {"value": {"selected_option": {"value": "critical"}}},
        "is_complaint": {"value": {"selected_option": {"value": "false"}}},
        "category": {"value": {"selected_option": {"value": "billing_error"}}},
        "sentiment": {"value": {"selected_option": None}},
        "risks": {"value": {"selected_options": [{"value": "injury"}, {"value": "legal"}]}},
    }
    submit(slack_client, "case_wrong_modal", case_id, values, view_id="V-w1")
    submit(slack_client, "case_wrong_modal", case_id, values, view_id="V-w1")
    wait_handled(slack_client, 2)
    feedback = _events(slack_client, case_id, "feedback")
    assert len(feedback) == 1
    assert feedback[0]["data"] == {
        "urgency": "critical",
        "is_complaint": False,
        "category": "billing_error",
        "risks": ["injury", "legal"],
    }
    assert feedback[0]["actor"] == JANE
    with transaction(ctx_of(slack_client).session_factory) as session:  # what `rrbot train-risk` learns from
        assert risk_corrections(session)[-1][1] == ["injury", "legal"]


def test_an_action_that_fails_tells_the_person_why_and_changes_nothing(slack_client, fake_slack):
    case_id = _posted(slack_client, fake_slack)
    assert click(slack_client, "case_ack", "no-such-case").status_code == 200  # acked first, always
    (note,) = fake_slack.wait("chat.postEphemeral")
    assert note["args"]["user"] == "U123" and note["args"]["channel"] == "C0STORES"
    assert "That did not work" in note["args"]["text"] and "not found" in note["args"]["text"]
    assert _events(slack_client, case_id, "acked") == []
