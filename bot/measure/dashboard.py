"""What the managers' dashboard shows beyond `response_times`: times over time, the cases that missed a target,
one row per case (CSV), reminder impact, themes and their spikes, promoters, and open cases at risk now.

Every figure of response time comes from `response_times.load` / `case_times`, the same code the API uses.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from bot.clock import as_utc
from bot.enums import OPEN_STATUSES, CaseStatus, urgency_label
from bot.measure.response_times import MILESTONES, TARGETS, Filters, Loaded, case_times, group_of, percentiles
from bot.models import Case, CaseClassification, SlackCard, SlackReminder, SlackReminderConfirmation

BUCKETS = ("day", "week")
REMINDER_WEEKS = 2  # complaints counted in the weeks before and after each reminder
AT_RISK_WITHIN = timedelta(minutes=15)
PROMOTER_FOLLOWERS = 1000
DEFAULT_DAYS = 30  # themes and promoters look this far back when no `since` is given
LIMIT = 200  # rows a page section shows at most (the CSV has them all)
MAX_BUCKETS = 400  # days or weeks drawn with their gaps filled


def bucket_start(at: datetime, bucket: str) -> datetime:
    day = datetime.combine(as_utc(at).date(), datetime.min.time(), tzinfo=UTC)
    return day - timedelta(days=day.weekday()) if bucket == "week" else day


def over_time(loaded: Loaded, bucket: str) -> list[dict[str, Any]]:
    """Per day or ISO week (Monday, UTC) of the post, every bucket from the first to the last (empty ones too):
    case count, and p50/p90 of each milestone over the cases that arrived in time, as the table's main columns
    and the API measure them (cases late on arrival have their own figures there)."""
    buckets: dict[datetime, list[Any]] = defaultdict(list)
    for case in loaded.cases:
        buckets[bucket_start(case.row.created_at, bucket)].append(case)
    if not buckets:
        return []
    step, first, last = timedelta(days=7 if bucket == "week" else 1), min(buckets), max(buckets)
    span = int((last - first) / step)
    # every bucket with its gaps filled; for a very long range only the buckets that have cases
    starts = [first + k * step for k in range(span + 1)] if span <= MAX_BUCKETS else sorted(buckets)
    out = []
    for start in starts:
        members = buckets.get(start, [])
        on_time = [c for c in members if not c.late]
        row: dict[str, Any] = {"bucket": start.date().isoformat(), "count": len(members)}
        for i, name in enumerate(MILESTONES):
            row[name] = percentiles([t for c in on_time if (t := c.times[i]) is not None])
        out.append(row)
    return out


def _describe(case: Any) -> dict[str, Any]:
    row = case.row
    return {
        "id": row.id,
        "source": row.source,
        "category": row.category,
        "urgency": urgency_label(row.urgency_rank),
        "risk": row.risk,
        "owner": row.owner,
        "status": row.status,
    }


def case_rows(loaded: Loaded, group_by: str | None = None) -> list[dict[str, Any]]:
    """One row per measured case: who, its times and each target (due, met)."""
    return [
        {
            **_describe(case),
            "group": group_of(case, group_by),
            "created_at": as_utc(case.row.created_at),
            "received_at": as_utc(case.row.received_at),
            **case_times(case, loaded),
        }
        for case in loaded.cases
    ]


def breaching(loaded: Loaded, group_by: str | None, group: str) -> list[dict[str, Any]]:
    """The cases of one group that missed a target: which one, due when, and late by how much (worst first)."""
    out = []
    for case in loaded.cases:
        if False not in case.met or group_of(case, group_by) != group:
            continue
        for target, state in case_times(case, loaded)["targets"].items():
            if state and state["met"] is False:
                out.append(
                    {
                        **_describe(case),
                        "target": target,
                        "due": state["due"],
                        "at": state["at"],
                        "late_by": state["late_by"],
                    }
                )
    out.sort(key=lambda r: -(r["late_by"] or 0))
    return out


def _window(filters: Filters, now: datetime) -> tuple[datetime, datetime]:
    end = filters.until or now
    return filters.since or end - timedelta(days=DEFAULT_DAYS), end


def reminder_impact(session: Session, filters: Filters, now: datetime) -> list[dict[str, Any]]:
    """Each team reminder sent in the range (newest first): its case's category, complaints in that category in
    the `REMINDER_WEEKS` weeks before and after it, and who confirmed it."""
    start, end = _window(filters, now)
    stmt = (
        sa.select(SlackReminder.id, SlackReminder.text, SlackReminder.actor, SlackReminder.created_at, Case.category)
        .join(Case, Case.id == SlackReminder.case_id)
        .where(SlackReminder.created_at >= start, SlackReminder.created_at < end)
        .order_by(SlackReminder.created_at.desc())
        .limit(50)
    )
    if filters.category:
        stmt = stmt.where(*Filters(category=filters.category).conditions())
    reminders = session.execute(stmt).all()
    if not reminders:
        return []
    confirmed: dict[int, list[str]] = defaultdict(list)
    for reminder_id, name in session.execute(
        sa.select(SlackReminderConfirmation.reminder_id, SlackReminderConfirmation.name)
        .where(SlackReminderConfirmation.reminder_id.in_([r.id for r in reminders]))
        .order_by(SlackReminderConfirmation.at)
    ):
        confirmed[reminder_id].append(name)
    span = timedelta(weeks=REMINDER_WEEKS)
    out = []
    for r in reminders:
        at = as_utc(r.created_at)
        before = after = 0
        if r.category is not None:
            counts = session.execute(
                sa.select(
                    sa.func.count().filter(Case.created_at < at),
                    sa.func.count().filter(Case.created_at >= at),
                )
                .join(CaseClassification, CaseClassification.case_id == Case.id)
                .where(
                    Case.category == r.category,
                    CaseClassification.is_complaint.is_(True),
                    Case.created_at >= at - span,
                    Case.created_at < at + span,
                )
            ).one()
            before, after = int(counts[0] or 0), int(counts[1] or 0)
        out.append(
            {
                "id": r.id,
                "at": at,
                "text": r.text,
                "actor": r.actor,
                "category": r.category,
                "before": before,
                "after": after,
                "after_complete": at + span <= now,
                "confirmed_by": confirmed.get(r.id, []),
            }
        )
    return out


def _day(session: Session, column: Any) -> Any:
    """The UTC calendar day of a timestamp column, as SQL (PostgreSQL's date() follows the session's zone)."""
    if session.get_bind().dialect.name == "postgresql":
        return sa.func.date(sa.func.timezone("UTC", column))
    return sa.func.date(column)


SPIKE_FACTOR = 2.0
SPIKE_MIN = 3


def spikes(session: Session, filters: Filters, now: datetime) -> list[dict[str, Any]]:
    """Days on which a category had well more cases than its daily average over the range: at least `SPIKE_MIN`
    cases and `SPIKE_FACTOR` times the average (days without cases count as zero). Biggest factor first."""
    start, end = _window(filters, now)
    day = _day(session, Case.created_at).label("day")
    where = [*filters.conditions(dates=False), Case.created_at >= start, Case.created_at < end]
    per_day = session.execute(
        sa.select(Case.category, day, sa.func.count(), sa.func.min(Case.id))
        .where(Case.category.is_not(None), *where)
        .group_by(Case.category, day)
    ).all()
    if not per_day:
        return []
    totals: dict[str, int] = defaultdict(int)
    for category, _, count, _ in per_day:
        totals[category] += int(count)
    # the days measured: from the range's first day with any case (a new install has no quiet month behind it)
    first = datetime.fromisoformat(str(min(on for _, on, _, _ in per_day))[:10]).replace(tzinfo=UTC)
    days = max((end - max(start, first)).total_seconds() / 86400, 1.0)
    found = []
    for category, on, count, example_id in per_day:
        average = totals[category] / days
        factor = count / average if average else 0.0
        if count >= SPIKE_MIN and factor >= SPIKE_FACTOR:
            found.append(
                {
                    "category": category,
                    "day": str(on)[:10],
                    "count": int(count),
                    "factor": round(factor, 1),
                    "average": round(average, 2),
                    "example_id": example_id,
                }
            )
    found.sort(key=lambda s: (-s["factor"], -s["count"]))
    found = found[:20]
    texts = (
        dict(session.execute(sa.select(Case.id, Case.text).where(Case.id.in_([s["example_id"] for s in found]))).all())
        if found
        else {}
    )
    for s in found:
        s["example"] = texts.get(s["example_id"], "")
    return found


def theme_cards(session: Session, filters: Filters, now: datetime) -> list[dict[str, Any]]:
    """Slack theme cards (one card for many similar complaints) started in the range, largest first."""
    start, end = _window(filters, now)
    stmt = (
        sa.select(
            SlackCard.id,
            SlackCard.category,
            SlackCard.case_count,
            SlackCard.created_at,
            SlackCard.last_case_at,
            SlackCard.channel,
            Case.id.label("case_id"),
            Case.text,
        )
        .join(Case, Case.id == SlackCard.root_case_id)
        .where(SlackCard.case_count > 1, SlackCard.created_at >= start, SlackCard.created_at < end)
        .order_by(SlackCard.case_count.desc(), SlackCard.created_at.desc())
        .limit(20)
    )
    return [dict(row._mapping) for row in session.execute(stmt)]


def promoters(session: Session, filters: Filters, now: datetime, limit: int = 20) -> list[dict[str, Any]]:
    """Positive mentions from people with `PROMOTER_FOLLOWERS`+ followers in the range (default: the last 30 days),
    most followers first, then newest."""
    start, end = _window(filters, now)
    followers = Case.person["followers"].as_float()  # counts beyond 2^31 are allowed (up to 10^10)
    rows = session.execute(
        sa.select(Case.id, Case.source, Case.text, Case.person, Case.created_at, followers.label("followers"))
        .join(CaseClassification, CaseClassification.case_id == Case.id)
        .where(
            CaseClassification.sentiment == "positive",
            followers >= PROMOTER_FOLLOWERS,
            Case.created_at >= start,
            Case.created_at < end,
            *filters.conditions(dates=False),
        )
        .order_by(followers.desc(), Case.created_at.desc())
        .limit(limit)
    ).all()
    return [
        {
            "id": r.id,
            "source": r.source,
            "text": r.text,
            "who": (r.person or {}).get("handle") or (r.person or {}).get("name") or "?",
            "followers": int(r.followers),
            "created_at": as_utc(r.created_at),
        }
        for r in rows
    ]


def at_risk(session: Session, filters: Filters, now: datetime, limit: int = 50) -> list[dict[str, Any]]:
    """Open cases whose next target (ack while new, first reply while acked, resolve while replied) is due within
    `AT_RISK_WITHIN` or already passed; most overdue first. Posting dates are not filtered: open is open."""
    due = sa.case(
        (Case.status == CaseStatus.NEW.value, Case.ack_due_at),
        (Case.status == CaseStatus.ACKED.value, Case.reply_due_at),
        else_=Case.resolve_due_at,
    ).label("next_due")
    target = sa.case(
        (Case.status == CaseStatus.NEW.value, "ack"),
        (Case.status == CaseStatus.ACKED.value, "first_reply"),
        else_="resolve",
    ).label("target")
    rows = session.execute(
        sa.select(
            Case.id,
            Case.text,
            Case.source,
            Case.category,
            Case.urgency_rank,
            Case.owner,
            Case.assignee,
            Case.status,
            due,
            target,
        )
        .where(
            Case.status.in_([s.value for s in OPEN_STATUSES]),
            due.is_not(None),
            due <= now + AT_RISK_WITHIN,
            *filters.conditions(dates=False),
        )
        .order_by(due, Case.urgency_rank.desc(), Case.id)
        .limit(limit)
    ).all()
    return [
        {
            "id": r.id,
            "text": r.text,
            "source": r.source,
            "category": r.category,
            "urgency": urgency_label(r.urgency_rank),
            "owner": r.owner,
            "assignee": r.assignee,
            "status": r.status,
            "target": r.target,
            "due": as_utc(r.next_due),
            "left": (as_utc(r.next_due) - now).total_seconds(),
        }
        for r in rows
    ]


__all__ = [
    "BUCKETS",
    "TARGETS",
    "at_risk",
    "breaching",
    "bucket_start",
    "case_rows",
    "over_time",
    "promoters",
    "reminder_impact",
    "spikes",
    "theme_cards",
]
