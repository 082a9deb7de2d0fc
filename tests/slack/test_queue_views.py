"""/complaints and the App Home tab: open cases by urgency, the oldest waiting, my cases."""

from __future__ import annotations

from tests.conftest import wait_for
from tests.slack.conftest import case_json, click, command, event, seed, wait_posted


def test_complaints_command_summarises_the_queue_for_the_person_asking(slack_client, fake_slack):
    first = seed(slack_client, "rude staff at the till", level="critical")
    second = seed(slack_client, "pushy sales assistant", level="high")
    wait_posted(slack_client, second)
    click(slack_client, "case_ack", first)
    wait_for(lambda: case_json(slack_client, first)["status"] == "acked")
    response = command(slack_client)
    assert response.status_code == 200
    body = response.json()
    assert body["response_type"] == "ephemeral"
    text = str(body["blocks"])
    assert "critical: *1*" in text and "high: *1*" in text
    oldest = next(b for b in body["blocks"] if "Oldest waiting" in b["text"]["text"])["text"]["text"]
    assert f"RR-{second[:8].upper()}" in oldest and f"RR-{first[:8].upper()}" not in oldest
    mine = next(b for b in body["blocks"] if "My cases" in b["text"]["text"])["text"]["text"]
    assert f"RR-{first[:8].upper()}" in mine
    other = command(slack_client, uid="U999").json()
    assert "No open cases of yours" in str(other["blocks"])


def test_app_home_shows_the_same_summary(slack_client, fake_slack):
    seed(slack_client, level="critical")
    event(slack_client, {"type": "app_home_opened", "user": "U77", "tab": "home", "event_ts": "1"}, event_id="EvH2")
    view = fake_slack.wait("views.publish")[0]["args"]["view"]
    assert view["type"] == "home" and "critical: *1*" in str(view["blocks"])
