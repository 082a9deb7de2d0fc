"""The managers' dashboard: roles, the same figures as the API (page, CSV), drill-down to the cases that missed a
target, business hours, SVG charts, promoters and cases at risk now."""

from __future__ import annotations

import csv
import html
import io
import re
import xml.etree.ElementTree as ET
from datetime import UTC, datetime, timedelta

import pytest

from tests.bot.helpers import mention
from tests.conftest import make_token, wait_for
from tests.web.conftest import login

LATE = "my order is two weeks late and nobody answers, where is my parcel?"
FIRE = "the heater you sold me caught fire and burned my hand, I had to go to hospital"
THANKS = "Thank you so much, the staff at your store were wonderful and so helpful! Love this shop"
SVG = "{http://www.w3.org/2000/svg}"


# --- units: no app ---------------------------------------------------------------------------------------------


def test_business_hours_count_only_weekdays_nine_to_five_utc():
    from bot.measure.response_times import business_seconds, elapsed

    friday = datetime(2026, 1, 9, 16, 30, tzinfo=UTC)
    monday = datetime(2026, 1, 12, 9, 30, tzinfo=UTC)
    assert business_seconds(friday, monday) == 3600  # 30 minutes on Friday, 30 on Monday
    assert elapsed(friday, monday, "clock") == (monday - friday).total_seconds()
    assert business_seconds(monday, monday + timedelta(days=7)) == 5 * 8 * 3600  # a week is 40 hours
    saturday = datetime(2026, 1, 10, 12, 0, tzinfo=UTC)
    assert business_seconds(saturday, saturday + timedelta(hours=20)) == 0
    early = datetime(2026, 1, 12, 7, 0, tzinfo=UTC)
    assert business_seconds(early, early + timedelta(hours=3)) == 3600  # 07:00-10:00 counts 09:00-10:00
    assert business_seconds(monday, friday) == -business_seconds(friday, monday)


def test_filters_accept_dates_and_rfc3339_and_name_every_bad_field():
    from bot.errors import InvalidRequest
    from bot.measure.response_times import parse_filters

    f = parse_filters(since="2026-01-05", until="2026-01-06", urgency="high,critical", risk="(none)", hours="business")
    assert f.since == datetime(2026, 1, 5, tzinfo=UTC) and f.until == datetime(2026, 1, 7, tzinfo=UTC)  # until: end
    assert f.urgency == ("high", "critical") and f.risk == ("(none)",) and f.hours == "business"
    assert parse_filters(since="2026-01-05T10:00:00Z").since == datetime(2026, 1, 5, 10, tzinfo=UTC)
    with pytest.raises(InvalidRequest) as refused:
        parse_filters(since="yesterday", until="2026-01-05T10:00:00", urgency="extreme", hours="night")
    fields = {d["field"] for d in refused.value.details}
    assert fields == {"since", "until", "urgency", "hours"}


def test_charts_are_valid_svg_with_titles_and_escaped_text_and_no_inline_style():
    from bot.web.charts import bar_chart, line_chart

    evil = '<script>alert("x")</script> & co'
    line = line_chart(
        evil, ["2026-01-01", "<b>"], [("p50", [60, None]), ("p90 & more", [120, 30])], x_label="day", y_label="time"
    )
    bars = bar_chart("Cases per day", ["a", "b"], [3, 0], x_label="day", y_label="cases")
    empty = line_chart("Nothing", [], [], x_label="day", y_label="time")
    for svg in (line, bars, empty):
        root = ET.fromstring(str(svg))
        assert root.tag == f"{SVG}svg"
        assert root.find(f"{SVG}title") is not None
        assert "<script" not in str(svg) and "<style" not in str(svg)
        assert all("style" not in element.attrib for element in root.iter())
    root = ET.fromstring(str(line))
    assert root.find(f"{SVG}title").text == evil  # escaped in the markup, intact once parsed
    texts = [t.text for t in root.iter(f"{SVG}text")]
    assert "day" in texts and "time" in texts and "<b>" in texts
    assert len(root.findall(f"{SVG}polyline")) == 2  # one per series; the missing value ends p50 early


def test_csv_cells_cannot_start_a_formula():
    from bot.web.dashboard import cell

    assert [cell(v) for v in ("=1+1", "+x", "-y", "@z", "ok", -5, 1.5, None, True)] == [
        "'=1+1",
        "'+x",
        "'-y",
        "'@z",
        "ok",
        -5,
        1.5,
        "",
        "yes",
    ]


# --- over HTTP -------------------------------------------------------------------------------------------------


def test_agent_token_cannot_open_the_dashboard_or_its_csv(app_client):
    login(app_client, "agent")
    assert app_client.get("/dashboard").status_code == 403
    assert app_client.get("/dashboard.csv").status_code == 403
    assert app_client.get("/v1/metrics/response-times", headers=make_token(app_client, "agent")).status_code == 403


def test_bad_filters_are_explained_never_a_500(app_client, admin):
    login(app_client, "manager")
    page = app_client.get("/dashboard", params={"since": "soon", "group_by": "planet", "bucket": "year"})
    assert page.status_code == 422
    assert "since" in page.text and "group_by" in page.text and "bucket" in page.text and "one of" in page.text
    assert app_client.get("/dashboard.csv", params={"urgency": "extreme"}).status_code == 422
    api = app_client.get("/v1/metrics/response-times", params={"risk": "aliens"}, headers=admin)
    assert api.status_code == 422 and api.json()["error"]["code"] == "invalid_request"
    assert app_client.get("/dashboard").status_code == 200  # an empty database is fine


def _page_figures(text: str) -> dict[str, list[float | None]]:
    """group -> [p50, p90 of each milestone] as the page's table carries them."""
    out = {}
    for group, row in re.findall(r'<tr data-group="([^"]*)">(.*?)</tr>', text, re.S):
        values = re.findall(r'data-value="([^"]*)"', row)
        out[html.unescape(group)] = [float(v) if v else None for v in values]
    return out


def _api_figures(api: dict) -> dict[str, list[float | None]]:
    names = ("time_to_notify", "time_to_ack", "time_to_first_reply", "time_to_resolve")
    return {g["group"]: [g[n][p] for n in names for p in ("p50", "p90")] for g in api["groups"]}


def _csv(response) -> list[dict[str, str]]:
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    assert response.headers["content-disposition"].startswith("attachment;")
    return list(csv.DictReader(io.StringIO(response.text)))


def _number(value: str) -> float | None:
    return float(value) if value else None


def test_dashboard_shows_the_apis_figures_drill_down_promoters_and_cases_at_risk(settings):
    from fastapi.testclient import TestClient

    from bot.clock import FakeClock
    from bot.main import create_app

    clock = FakeClock(datetime(2026, 1, 7, 10, 0, tzinfo=UTC))  # a Wednesday, in business hours
    with TestClient(create_app(settings, clock=clock)) as client:
        admin = make_token(client, "admin")

        def post(text: str, **extra) -> str:
            body = mention(text, created_at=(clock.now() - timedelta(minutes=5)).isoformat(), **extra)
            return client.post("/v1/mentions", json=body, headers=admin).json()["case_id"]

        fast = post(LATE, source="x")
        slow = post(LATE, source="zendesk_social")
        fire = post(FIRE, source="zendesk_social")
        fan = post(THANKS, source="reviews", author={"handle": "bigfan", "followers": 50_000})
        quiet = post(THANKS, source="reviews", author={"handle": "smallfan", "followers": 10})
        ids = [fast, slow, fire, fan, quiet]
        wait_for(lambda: all(client.get(f"/v1/cases/{i}", headers=admin).json()["classification"] for i in ids))

        clock.advance(10 * 60)
        client.post(f"/v1/cases/{fast}/ack", headers=admin)  # 15 minutes after the post
        client.post(f"/v1/cases/{fire}/ack", headers=admin)
        clock.advance(5 * 60)
        client.post(f"/v1/cases/{fast}/reply", json={"text": "Sorry, checking now"}, headers=admin)  # 20 min
        clock.advance(35 * 60)
        client.post(f"/v1/cases/{slow}/ack", headers=admin)  # 55 minutes: its 30-minute target missed by 25

        login(client, "manager")
        since = (clock.now() - timedelta(days=1)).date().isoformat()
        for group_by in ("", "risk", "owner", "source", "category"):
            for hours in ("clock", "business"):
                params = {"since": since, "group_by": group_by, "hours": hours}
                api = client.get("/v1/metrics/response-times", params=params, headers=admin)
                assert api.status_code == 200, api.text
                expected = _api_figures(api.json())
                page = client.get("/dashboard", params=params)
                assert page.status_code == 200, page.text
                assert _page_figures(page.text) == expected, group_by
                rows = _csv(client.get("/dashboard.csv", params=params))
                assert [r["group"] for r in rows] == [g["group"] for g in api.json()["groups"]]
                for row, group in zip(rows, api.json()["groups"], strict=True):
                    assert int(row["count"]) == group["count"]
                    assert _number(row["time_to_ack_p50"]) == group["time_to_ack"]["p50"]
                    assert _number(row["time_to_first_reply_p90"]) == group["time_to_first_reply"]["p90"]
                    assert _number(row["sla_ack"]) == group["sla"]["ack"]

        api = client.get("/v1/metrics/response-times", params={"group_by": "risk"}, headers=admin).json()
        assert {g["group"] for g in api["groups"]} >= {"(none)"} and len(api["groups"]) >= 2  # the fire has a risk
        only_x = client.get("/v1/metrics/response-times", params={"source": "x"}, headers=admin).json()
        assert only_x["groups"][0]["count"] == 1 and only_x["groups"][0]["time_to_ack"]["p50"] == 15 * 60

        # a manager sees the case's times: on the page (its source alone) and in the per-case CSV
        page = client.get("/dashboard", params={"source": "x"}).text
        assert "15m" in page and "20m" in page
        cases = {r["case_id"]: r for r in _csv(client.get("/dashboard.csv", params={"rows": "cases"}))}
        assert float(cases[fast]["time_to_ack"]) == 15 * 60 and float(cases[fast]["time_to_first_reply"]) == 20 * 60
        assert cases[fast]["ack_met"] == "yes" and cases[slow]["ack_met"] == "no"
        assert float(cases[slow]["ack_late_by"]) == 25 * 60 and cases[slow]["ack_due_at"]

        # drill-down from the group to the case that missed its target, and by how much
        page = client.get("/dashboard", params={"group_by": "source"}).text
        link = re.search(r'href="([^"]*breaching=zendesk_social[^"]*)"', page)
        assert link, page
        drill = client.get(html.unescape(link.group(1))).text
        section = drill.split('id="breaching"')[1].split("</section>")[0]
        assert f"/cases/{slow}" in section and "25m" in section and f"/cases/{fast}" not in section

        # promoters: positive and high reach only
        promoters = page.split('id="promoters"')[1].split("</section>")[0]
        assert "bigfan" in promoters and "50,000" in promoters and "smallfan" not in promoters

        # at risk now: slow's first reply is due 5 minutes from now (60 after its post); fast was answered
        at_risk = page.split('id="at-risk"')[1].split("</section>")[0]
        assert f"/cases/{slow}" in at_risk and f"/cases/{fast}" not in at_risk

        # charts: inline SVG, valid XML, no inline style
        svgs = re.findall(r"<svg.*?</svg>", page, re.S)
        assert len(svgs) == 3
        for svg in svgs:
            assert ET.fromstring(svg).find(f"{SVG}title") is not None and "style=" not in svg
        weekly = client.get("/dashboard", params={"bucket": "week", "hours": "business"})
        assert weekly.status_code == 200 and "per week" in weekly.text


def test_reminder_impact_counts_complaints_before_and_after_and_who_confirmed(app_client):
    """Two pushy-staff complaints in the fortnight before a team reminder, one after; two people said "Got it".
    The dashboard's section shows those counts, the confirmers, and the reminder's text escaped."""
    from bot.actions import reminders
    from bot.db import transaction
    from bot.measure import dashboard
    from bot.measure.response_times import Filters
    from tests.slack.conftest import seed

    ctx = app_client.app.state.ctx
    now = ctx.clock.now()
    first = seed(app_client, created_at=now - timedelta(days=3))
    seed(app_client, "the sales assistant would not leave me alone", created_at=now - timedelta(days=2))
    with transaction(ctx.session_factory) as session:
        reminder = reminders.send(
            session,
            case_id=first,
            text="Give customers space <b>please</b>",
            channels=["C0ALLSTORES"],
            actor="slack:U1 (Ann)",
            now=now - timedelta(days=1),
        )
        session.flush()
        for uid, name in (("U2", "Bo"), ("U3", "Cy")):
            reminders.confirm(session, reminder_id=reminder.id, user_id=uid, name=name, actor=f"slack:{uid}", now=now)
    seed(app_client, "your clerk pressured me into a store card", created_at=now - timedelta(hours=12))
    seed(app_client, "late parcel again", category="delivery_delay", created_at=now - timedelta(hours=6))

    with transaction(ctx.session_factory) as session:
        (impact,) = dashboard.reminder_impact(session, Filters(), now)
    assert impact["category"] == "pushy_staff" and (impact["before"], impact["after"]) == (2, 1)
    assert impact["confirmed_by"] == ["Bo", "Cy"] and impact["after_complete"] is False

    login(app_client, "manager")
    page = app_client.get("/dashboard").text
    assert "Give customers space &lt;b&gt;please&lt;/b&gt;" in page and "<b>please</b>" not in page
    assert "Bo" in page and "Cy" in page
