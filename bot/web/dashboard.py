"""The managers' dashboard at `/dashboard` and its CSV at `/dashboard.csv`.

Both take the filters of `GET /v1/metrics/response-times` (`since`, `until`, `source`, `category`, `urgency`,
`risk`, `owner`, `hours`, `group_by`) and show the figures `response_times` computes, so the three agree. The page
adds times over time (`bucket=day|week`), the cases behind a group's missed targets (`breaching=<group>`), open
cases at risk now, reminder impact, themes and promoters. Charts are server-side SVG (`bot.web.charts`)."""

from __future__ import annotations

import csv
import io
from dataclasses import asdict, dataclass, replace
from datetime import datetime, timedelta
from typing import Annotated, Any
from urllib.parse import urlencode

import sqlalchemy as sa
from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session

from bot.api.deps import ContextDep, SessionDep
from bot.enums import RiskType, UrgencyLevel
from bot.errors import InvalidRequest
from bot.measure import dashboard as data
from bot.measure.response_times import (
    GROUPS,
    MILESTONES,
    NONE,
    TARGETS,
    Filters,
    check_group_by,
    load,
    parse_filters,
    response_times,
)
from bot.models import Case
from bot.web.auth import ManagerPage
from bot.web.charts import bar_chart, line_chart, nice_duration_max
from bot.web.render import explain, page, span

router = APIRouter(include_in_schema=False)
ROWS = ("groups", "cases")


@dataclass(frozen=True)
class DashboardQuery:
    """The query string as sent (kept as text, so a refused value is shown back in the form)."""

    since: str = ""
    until: str = ""
    source: str = ""
    category: str = ""
    urgency: str = ""
    risk: str = ""
    owner: str = ""
    hours: str = "clock"
    group_by: str = ""
    bucket: str = "day"
    breaching: str | None = None
    rows: str = "groups"

    def parsed(self) -> tuple[Filters, str | None]:
        """The filters and group_by; InvalidRequest naming every bad field."""
        problems: list[dict[str, str]] = []
        try:
            filters = parse_filters(
                since=self.since,
                until=self.until,
                source=self.source,
                category=self.category,
                urgency=self.urgency,
                risk=self.risk,
                owner=self.owner,
                hours=self.hours,
            )
        except InvalidRequest as exc:
            problems.extend(exc.details or [])
            filters = Filters()
        group_by = self.group_by or None
        try:
            check_group_by(group_by)
        except InvalidRequest as exc:
            problems.extend(exc.details or [])
        if self.bucket not in data.BUCKETS:
            problems.append({"field": "bucket", "reason": f"one of {', '.join(data.BUCKETS)}"})
        if self.rows not in ROWS:
            problems.append({"field": "rows", "reason": f"one of {', '.join(ROWS)}"})
        if self.breaching is not None and len(self.breaching) > 200:
            problems.append({"field": "breaching", "reason": "at most 200 characters"})
        if problems:
            raise InvalidRequest("invalid filters", problems)
        return filters, group_by

    def defaulted(self, now: datetime) -> DashboardQuery:
        """With no dates, the last `DEFAULT_DAYS` days (shown in the form), as the sections below the table use:
        a view never loads every case ever stored."""
        if self.since or self.until:
            return self
        return replace(self, since=(now - timedelta(days=data.DEFAULT_DAYS)).date().isoformat())

    def link(self, path: str = "/dashboard", **changes: str | None) -> str:
        values = {k: v for k, v in {**asdict(self), **changes}.items() if v}
        if values.get("hours") == "clock":
            values.pop("hours")
        if values.get("bucket") == "day":
            values.pop("bucket")
        if values.get("rows") == "groups":
            values.pop("rows")
        return f"{path}?{urlencode(values)}" if values else path


def _query(
    since: Annotated[str, Query()] = "",
    until: Annotated[str, Query()] = "",
    source: Annotated[str, Query()] = "",
    category: Annotated[str, Query()] = "",
    urgency: Annotated[str, Query()] = "",
    risk: Annotated[str, Query()] = "",
    owner: Annotated[str, Query()] = "",
    hours: Annotated[str, Query()] = "clock",
    group_by: Annotated[str, Query()] = "",
    bucket: Annotated[str, Query()] = "day",
    breaching: Annotated[str | None, Query()] = None,
    rows: Annotated[str, Query()] = "groups",
) -> DashboardQuery:
    return DashboardQuery(
        since.strip(),
        until.strip(),
        source.strip(),
        category.strip(),
        urgency.strip(),
        risk.strip(),
        owner.strip(),
        hours.strip() or "clock",
        group_by.strip(),
        bucket.strip() or "day",
        breaching,
        rows.strip() or "groups",
    )


QueryDep = Annotated[DashboardQuery, Depends(_query)]


def _choices(session: Session) -> dict[str, list[str]]:
    def distinct(column: Any) -> list[str]:
        found = session.execute(sa.select(column).where(column.is_not(None)).distinct().limit(200)).scalars()
        return sorted(str(v) for v in found if v)

    return {
        "source": distinct(Case.source),
        "category": [*distinct(Case.category), NONE],
        "urgency": [u.value for u in reversed(UrgencyLevel)] + ["unclassified"],
        "risk": [r.value for r in RiskType] + [NONE],
        "owner": [*distinct(Case.owner), NONE],
        "group_by": list(GROUPS),
    }


def _seconds(value: float) -> str:
    return span(value) if value else "0"


def _charts(series: list[dict[str, Any]], bucket: str, hours: str) -> list[Any]:
    labels = [row["bucket"] for row in series]
    unit = "business time" if hours == "business" else "time"
    x_label = f"{bucket} of the post (UTC)"
    charts = []
    for name, what in (("time_to_ack", "acknowledge"), ("time_to_first_reply", "first reply")):
        charts.append(
            line_chart(
                f"Time to {what} per {bucket}: p50 and p90",
                labels,
                [("p50", [row[name]["p50"] for row in series]), ("p90", [row[name]["p90"] for row in series])],
                x_label=x_label,
                y_label=f"{unit} from the post",
                fmt=_seconds,
                scale=nice_duration_max,
            )
        )
    charts.append(
        bar_chart(f"Cases per {bucket}", labels, [row["count"] for row in series], x_label=x_label, y_label="cases")
    )
    return charts


@router.get("/dashboard", response_class=HTMLResponse)
def dashboard(
    request: Request, ctx: ContextDep, session: SessionDep, user: ManagerPage, query: QueryDep
) -> HTMLResponse:
    query = query.defaulted(ctx.clock.now())
    values: dict[str, Any] = {"query": query, "choices": _choices(session), "milestones": list(MILESTONES)}
    try:
        filters, group_by = query.parsed()
    except InvalidRequest as exc:
        return page(
            request,
            "dashboard.html",
            user=user,
            status_code=422,
            message=explain(exc),
            message_kind="error",
            summary=None,
            **values,
        )
    now = ctx.clock.now()
    loaded = load(session, filters, now)
    summary = response_times(session, group_by=group_by, now=now, filters=filters, loaded=loaded)
    series = data.over_time(loaded, query.bucket)
    breaching = None
    if query.breaching is not None:
        breaching = data.breaching(loaded, group_by, query.breaching)
    return page(
        request,
        "dashboard.html",
        user=user,
        now=now,
        summary=summary,
        targets=list(TARGETS),
        drill={row["group"]: query.link(breaching=row["group"]) + "#breaching" for row in summary["groups"]},
        csv_groups=query.link("/dashboard.csv", breaching=None),
        csv_cases=query.link("/dashboard.csv", breaching=None, rows="cases"),
        api_link=query.link("/v1/metrics/response-times", breaching=None, bucket=None, rows=None),
        series=series,
        charts=_charts(series, query.bucket, filters.hours),
        breaching=breaching,
        breaching_shown=(breaching or [])[: data.LIMIT],
        at_risk=data.at_risk(session, filters, now),
        reminders=data.reminder_impact(session, filters, now),
        spikes=data.spikes(session, filters, now),
        theme_cards=data.theme_cards(session, filters, now),
        promoters=data.promoters(session, filters, now),
        reminder_weeks=data.REMINDER_WEEKS,
        **values,
    )


# --- CSV -------------------------------------------------------------------------------------------------------

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def cell(value: Any) -> str | float | int:
    """A CSV cell: numbers as numbers, times in RFC 3339, and text that a spreadsheet would run as a formula
    (starting with = + - @, tab or carriage return) prefixed with a quote."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int | float):
        return value
    if isinstance(value, datetime):
        return value.isoformat()
    text = str(value)
    return "'" + text if text.startswith(FORMULA_START) else text


def _group_rows(summary: dict[str, Any]) -> tuple[list[str], list[list[Any]]]:
    header = ["group", "count"]
    for name in MILESTONES:
        header += [f"{name}_p50", f"{name}_p90"]
    header += ["late_on_arrival_count", *(f"late_on_arrival_{name}_{p}" for name in MILESTONES for p in ("p50", "p90"))]
    header += [f"sla_{name}" for name in TARGETS] + ["sla_met_ratio"]
    rows = []
    for g in summary["groups"]:
        row: list[Any] = [g["group"], g["count"]]
        for name in MILESTONES:
            row += [g[name]["p50"], g[name]["p90"]]
        late = g["late_on_arrival"]
        row += [late["count"], *(late[name][p] for name in MILESTONES for p in ("p50", "p90"))]
        row += [g["sla"][name] for name in TARGETS] + [g["sla_met_ratio"]]
        rows.append(row)
    return header, rows


def _case_rows(cases: list[dict[str, Any]]) -> tuple[list[str], list[list[Any]]]:
    header = ["case_id", "group", "source", "category", "urgency", "risk", "owner", "status", "created_at"]
    header += ["received_at", "late_on_arrival", *MILESTONES]
    for name in TARGETS:
        header += [f"{name}_due_at", f"{name}_met", f"{name}_late_by"]
    rows = []
    for c in cases:
        row = [c[k] for k in ("id", "group", "source", "category", "urgency", "risk", "owner", "status", "created_at")]
        row += [c["received_at"], c["late_on_arrival"], *(c["times"][name] for name in MILESTONES)]
        for name in TARGETS:
            state = c["targets"][name] or {}
            row += [state.get("due"), state.get("met"), state.get("late_by")]
        rows.append(row)
    return header, rows


@router.get("/dashboard.csv")
def dashboard_csv(ctx: ContextDep, session: SessionDep, user: ManagerPage, query: QueryDep) -> Response:
    query = query.defaulted(ctx.clock.now())
    try:
        filters, group_by = query.parsed()
    except InvalidRequest as exc:
        return Response(f"invalid filters: {explain(exc)}\n", status_code=422, media_type="text/plain")
    now = ctx.clock.now()
    loaded = load(session, filters, now)
    if query.rows == "cases":
        header, rows = _case_rows(data.case_rows(loaded, group_by))
    else:
        header, rows = _group_rows(response_times(session, group_by=group_by, now=now, filters=filters, loaded=loaded))
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    writer.writerows([cell(v) for v in row] for row in rows)
    name = f"rrbot-{query.rows}-{now:%Y%m%d-%H%M}.csv"
    return Response(
        out.getvalue(),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}"', "Cache-Control": "no-store"},
    )
