"""Team-wide reminders: a modal pre-filled from the playbook, posts with "Got it", confirmations counted."""

from __future__ import annotations

import sqlalchemy as sa

from bot.db import transaction
from bot.models import Outbox
from tests.conftest import wait_for
from tests.slack.conftest import case_json, click, ctx_of, seed, submit, wait_handled, wait_posted


def test_reminder_is_prefilled_sent_confirmed_and_shown_on_the_card(slack_client, fake_slack):
    case_id = seed(slack_client)
    wait_posted(slack_client, case_id)
    click(slack_client, "case_remind", case_id)
    view = fake_slack.wait("views.open")[0]["args"]["view"]
    assert view["blocks"][0]["element"]["initial_value"].startswith("Reminder for every store: greet")
    assert view["blocks"][1]["element"]["initial_conversations"] == ["C0ALLSTORES"]

    values = {
        "remind_text": {"text": {"value": "Please, no pressure selling"}},
        "remind_channels": {"channels": {"selected_conversations": ["C0ALLSTORES", "C0EXTRA"]}},
    }
    submit(slack_client, "case_remind_modal", case_id, values, view_id="V-m1")
    submit(slack_client, "case_remind_modal", case_id, values, view_id="V-m1")  # double submit
    posts = wait_for(
        lambda: [
            c for c in fake_slack.ok_calls("chat.postMessage") if c["args"]["channel"] in ("C0ALLSTORES", "C0EXTRA")
        ]
    )
    wait_for(
        lambda: (
            len(
                [
                    c
                    for c in fake_slack.ok_calls("chat.postMessage")
                    if c["args"]["channel"] in ("C0ALLSTORES", "C0EXTRA")
                ]
            )
            == 2
        )
    )
    wait_handled(slack_client, 3)  # the click that opened the modal and both submissions

    def reminder_rows() -> list[str]:
        with transaction(ctx_of(slack_client).session_factory) as session:
            return list(session.execute(sa.select(Outbox.status).where(Outbox.kind == "slack_reminder")).scalars())

    wait_for(lambda: reminder_rows() == ["posted", "posted"])  # both delivered, and no third one queued
    posts = [
        c["args"] for c in fake_slack.ok_calls("chat.postMessage") if c["args"]["channel"] in ("C0ALLSTORES", "C0EXTRA")
    ]
    assert len(posts) == 2
    button = posts[0]["blocks"][-1]["elements"][0]
    assert button["action_id"] == "reminder_got_it" and "Please, no pressure selling" in posts[0]["text"]
    sent = [e for e in case_json(slack_client, case_id)["timeline"] if e["type"] == "reminder_sent"]
    assert len(sent) == 1 and sent[0]["data"]["channels"] == ["C0ALLSTORES", "C0EXTRA"]

    fake_slack.users["U200"] = {"id": "U200", "real_name": "Bob Stone", "profile": {"display_name": ""}}
    for uid in ("U123", "U123", "U200"):
        click(slack_client, "reminder_got_it", button["value"], uid=uid)

    def card_shows_two():
        updates = fake_slack.ok_calls("chat.update")
        return updates and "*2* confirmed (Name U123, Bob Stone)" in str(updates[-1]["args"]["blocks"])

    wait_for(card_shows_two)
    confirmed = [e for e in case_json(slack_client, case_id)["timeline"] if e["type"] == "reminder_confirmed"]
    assert sorted(e["actor"] for e in confirmed) == ["slack:U123 (Name U123)", "slack:U200 (Bob Stone)"]
