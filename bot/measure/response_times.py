"""Response-time figures, read from the timeline (never counted by hand).

One loader (`load`) reads the cases that match a `Filters` and the first event of each milestone kind, in two
queries; `response_times` groups them (the API, the digest and the dashboard all call it, so their figures are
equal), and `case_times` gives one case's times and targets (the dashboard's drill-down and its CSV).

Durations run from the post's own `created_at`; cases late on arrival are measured from arrival and kept apart.
With `hours="business"` durations count only the business window below (`BUSINESS_HOURS`); SLA attainment is
always judged against the stored due times, which the playbook set in clock time.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, cast

import numpy as np
import sqlalchemy as sa
from sqlalchemy.orm import Session

from bot.clock import as_utc
from bot.enums import RiskType, UrgencyLevel, urgency_label
from bot.errors import InvalidRequest
from bot.models import Case, TimelineEvent

GROUPS = ("source", "category", "urgency", "risk", "owner")
HOURS = ("clock", "business")
NONE = "(none)"  # the group, and the filter value, of cases without a category, risk or owner
MILESTONES = {
    "time_to_notify": "notified",
    "time_to_ack": "acked",
    "time_to_first_reply": "replied",
    "time_to_resolve": "resolved",
}


TARGETS = {  # the playbook's targets (Targets), each judged on the first event of its kind
    "ack": ("acked", "ack_due_at"),
    "first_reply": ("replied", "reply_due_at"),
    "resolve": ("resolved", "resolve_due_at"),
}


# --- business hours --------------------------------------------------------------------------------------------

BUSINESS_HOURS = (time(9, 0), time(17, 0))
"""The business window `hours=business` counts: Monday to Friday, 09:00 to 17:00 UTC, no holidays. Fixed here
(there is no setting for it); change both ends together."""
BUSINESS_DAYS = 5  # Monday..Friday (weekday() 0..4)
_OPEN_S = BUSINESS_HOURS[0].hour * 3600 + BUSINESS_HOURS[0].minute * 60
_CLOSE_S = BUSINESS_HOURS[1].hour * 3600 + BUSINESS_HOURS[1].minute * 60
_DAY_S = _CLOSE_S - _OPEN_S
_EPOCH = datetime(1970, 1, 5, tzinfo=UTC)  # a Monday


def _business_since_epoch(at: datetime) -> float:
    """Business seconds from `_EPOCH` to `at` (O(1): whole weeks, whole days, then the part of the day)."""
    delta = as_utc(at) - _EPOCH
    days, rest = delta.days, delta.seconds + delta.microseconds / 1e6  # days may be negative, rest in [0, 86400)
    weeks, weekday = divmod(days, 7)
    total: float = weeks * BUSINESS_DAYS * _DAY_S + min(weekday, BUSINESS_DAYS) * _DAY_S
    if weekday < BUSINESS_DAYS:
        total += min(max(rest - _OPEN_S, 0.0), _DAY_S)
    return float(total)


def business_seconds(start: datetime, end: datetime) -> float:
    """Seconds between `start` and `end` that fall in `BUSINESS_HOURS` on a business day (negative if reversed)."""
    return _business_since_epoch(end) - _business_since_epoch(start)


def elapsed(start: datetime, end: datetime, hours: str = "clock") -> float:
    if hours == "business":
        return business_seconds(start, end)
    return (as_utc(end) - as_utc(start)).total_seconds()


# --- filters ---------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Filters:
    """Which cases are measured: posted in [since, until), and each dimension one of the values given (empty: any).
    `category`, `risk` and `owner` take `(none)` for cases without one."""

    since: datetime | None = None
    until: datetime | None = None
    source: tuple[str, ...] = ()
    category: tuple[str, ...] = ()
    urgency: tuple[str, ...] = ()
    risk: tuple[str, ...] = ()
    owner: tuple[str, ...] = ()
    hours: str = "clock"

    def query(self) -> dict[str, str]:
        """The filters as query parameters (for links and the CSV), empty ones left out."""
        out: dict[str, str] = {}
        if self.since:
            out["since"] = self.since.isoformat()
        if self.until:
            out["until"] = self.until.isoformat()
        for name in ("source", "category", "urgency", "risk", "owner"):
            if getattr(self, name):
                out[name] = ",".join(getattr(self, name))
        if self.hours != "clock":
            out["hours"] = self.hours
        return out

    def conditions(self, *, dates: bool = True) -> list[sa.ColumnElement[bool]]:
        """SQL conditions on `Case` (the dates left out with `dates=False`)."""
        where: list[sa.ColumnElement[bool]] = []
        if dates and self.since:
            where.append(Case.created_at >= self.since)
        if dates and self.until:
            where.append(Case.created_at < self.until)
        if self.source:
            where.append(Case.source.in_(self.source))
        if self.urgency:
            ranks = [0 if u == "unclassified" else UrgencyLevel(u).rank for u in self.urgency]
            where.append(Case.urgency_rank.in_(ranks))
        for column, values in ((Case.category, self.category), (Case.risk, self.risk), (Case.owner, self.owner)):
            if values:
                named = [v for v in values if v != NONE]
                either = [column.in_(named)] if named else []
                if NONE in values:
                    either.append(column.is_(None))
                where.append(sa.or_(*either))
        return where


MAX_VALUE = 200


def _instant(name: str, value: str | None, problems: list[dict[str, str]], *, end: bool) -> datetime | None:
    """RFC 3339 with an offset, or a plain date: `since` from its start, `until` to its end (inclusive)."""
    if value is None or not value.strip():
        return None
    text = value.strip()
    try:
        if len(text) == 10:
            day = date.fromisoformat(text)
            at = datetime.combine(day + timedelta(days=1 if end else 0), time(0), tzinfo=UTC)
        else:
            at = datetime.fromisoformat(text)
            if at.tzinfo is None:
                problems.append({"field": name, "reason": "an RFC 3339 time needs an offset (Z or +01:00)"})
                return None
        at = at.astimezone(UTC)  # an instant the database can hold, or OverflowError at the ends of time
    except (ValueError, OverflowError):
        problems.append({"field": name, "reason": "a date (2026-01-31) or an RFC 3339 time with an offset"})
        return None
    if not 1970 <= at.year <= 2200:
        problems.append({"field": name, "reason": "between the years 1970 and 2200"})
        return None
    return at


def _values(name: str, value: str | None, problems: list[dict[str, str]], allowed: list[str] | None) -> tuple[str, ...]:
    if value is None or not value.strip():
        return ()
    if len(value) > MAX_VALUE or "\x00" in value:
        problems.append({"field": name, "reason": f"at most {MAX_VALUE} characters, no NUL"})
        return ()
    values = tuple(dict.fromkeys(v.strip() for v in value.split(",") if v.strip()))
    if allowed is not None:
        wrong = [v for v in values if v not in allowed]
        if wrong:
            problems.append({"field": name, "reason": f"{', '.join(wrong)} is not one of {', '.join(allowed)}"})
            return ()
    return values


def parse_filters(
    *,
    since: str | None = None,
    until: str | None = None,
    source: str | None = None,
    category: str | None = None,
    urgency: str | None = None,
    risk: str | None = None,
    owner: str | None = None,
    hours: str | None = None,
) -> Filters:
    """The filters as a browser or a script sends them; InvalidRequest (422) naming every bad field."""
    problems: list[dict[str, str]] = []
    start = _instant("since", since, problems, end=False)
    end = _instant("until", until, problems, end=True)
    if start and end and end <= start:
        problems.append({"field": "until", "reason": "must be after since"})
    hours_value = (hours or "clock").strip() or "clock"
    if hours_value not in HOURS:
        problems.append({"field": "hours", "reason": f"one of {', '.join(HOURS)}"})
    filters = Filters(
        since=start,
        until=end,
        source=_values("source", source, problems, None),
        category=_values("category", category, problems, None),
        urgency=_values("urgency", urgency, problems, [u.value for u in UrgencyLevel] + ["unclassified"]),
        risk=_values("risk", risk, problems, [r.value for r in RiskType] + [NONE]),
        owner=_values("owner", owner, problems, None),
        hours=hours_value,
    )
    if problems:
        raise InvalidRequest("invalid filters", problems)
    return filters


def check_group_by(group_by: str | None) -> None:
    if group_by is not None and group_by not in GROUPS:
        raise InvalidRequest("invalid group_by", [{"field": "group_by", "reason": f"one of {', '.join(GROUPS)}"}])


# --- loading ---------------------------------------------------------------------------------------------------


@dataclass(slots=True)
class Measured:
    """One case, measured once: its columns (`COLUMNS`), where its clock starts, its seconds to each milestone
    (in `MILESTONES` order, None until reached) and each target (in `TARGETS` order: True met, False missed,
    None not judged yet or no such target)."""

    row: Any
    start: datetime
    late: bool
    times: tuple[float | None, ...]
    met: tuple[bool | None, ...]

    @property
    def id(self) -> str:
        return str(self.row.id)


@dataclass
class Loaded:
    """The measured cases and, per case id, the first time of each milestone event (judged at `now`)."""

    filters: Filters
    now: datetime
    cases: list[Measured] = field(default_factory=list)
    firsts: dict[str, dict[str, datetime]] = field(default_factory=lambda: defaultdict(dict))


COLUMNS = (
    Case.id,
    Case.source,
    Case.category,
    Case.urgency_rank,
    Case.risk,
    Case.owner,
    Case.status,
    Case.created_at,
    Case.ack_due_at,
    Case.reply_due_at,
    Case.resolve_due_at,
    Case.received_at,
    Case.late_minutes,
)
_EVENTS = tuple(MILESTONES.values())
_TARGET_INDEX = tuple((event, list(COLUMNS).index(getattr(Case, due))) for event, due in TARGETS.values())


def _aware(at: datetime | None) -> datetime | None:
    return at if at is None or at.tzinfo is not None else at.replace(tzinfo=UTC)


def load(session: Session, filters: Filters, now: datetime) -> Loaded:
    """Read the cases that match `filters` and their first milestone events (two queries), and measure each once."""
    where = filters.conditions()
    rows = session.execute(sa.select(*COLUMNS).where(*where).order_by(Case.created_at, Case.id)).all()
    loaded = Loaded(filters=filters, now=now)
    if not rows:
        return loaded
    events = session.execute(
        sa.select(TimelineEvent.case_id, TimelineEvent.type, sa.func.min(TimelineEvent.at))
        .where(TimelineEvent.case_id.in_(sa.select(Case.id).where(*where)), TimelineEvent.type.in_(_EVENTS))
        .group_by(TimelineEvent.case_id, TimelineEvent.type)
    )
    firsts = loaded.firsts
    for case_id, type_, first in events:
        firsts[case_id][type_] = first if first.tzinfo is not None else first.replace(tzinfo=UTC)
    business = filters.hours == "business"
    empty: dict[str, datetime] = {}
    for row in rows:
        late = row.late_minutes is not None
        start = _aware(row.received_at if late else row.created_at)
        assert start is not None
        mine = firsts.get(row.id, empty)
        if business:
            times = tuple(business_seconds(start, mine[e]) if e in mine else None for e in _EVENTS)
        else:
            times = tuple((mine[e] - start).total_seconds() if e in mine else None for e in _EVENTS)
        met: list[bool | None] = []
        for event, index in _TARGET_INDEX:
            due = _aware(cast("datetime | None", row[index]))
            reached = mine.get(event)
            if due is None:
                met.append(None)
            elif reached is not None:
                met.append(reached <= due)
            else:
                met.append(False if now > due else None)
        loaded.cases.append(Measured(row=row, start=start, late=late, times=times, met=tuple(met)))
    return loaded


def group_of(case: Measured, group_by: str | None) -> str:
    row = case.row
    if group_by == "source":
        return str(row.source)
    if group_by == "category":
        return row.category or NONE
    if group_by == "urgency":
        return urgency_label(row.urgency_rank)
    if group_by == "risk":
        return row.risk or NONE
    if group_by == "owner":
        return row.owner or NONE
    return "all"


def _times(members: list[Measured]) -> dict[str, Any]:
    out = {}
    for i, name in enumerate(MILESTONES):
        out[name] = _pct([t for c in members if (t := c.times[i]) is not None])
    return out


def target_state(case: Measured, firsts: dict[str, datetime], target: str, now: datetime) -> dict[str, Any] | None:
    """One target of one case: due, when it was met (or not yet), `met` (None while still in time) and `late_by`
    seconds (clock time) once missed. None when the case has no such target."""
    event, due_field = TARGETS[target]
    due = _aware(getattr(case.row, due_field))
    if due is None:
        return None
    at = firsts.get(event)
    if at is not None:
        late = (at - due).total_seconds()
        return {"due": due, "at": at, "met": at <= due, "late_by": late if late > 0 else None}
    if now > due:
        return {"due": due, "at": None, "met": False, "late_by": (now - due).total_seconds()}
    return {"due": due, "at": None, "met": None, "late_by": None}


def _attainment(members: list[Measured], index: int) -> float | None:
    """Share of cases that met the target, among those met or already missed (open ones still in time wait)."""
    judged = [m for c in members if (m := c.met[index]) is not None]
    return round(sum(judged) / len(judged), 4) if judged else None


def _pct(values: list[float]) -> dict[str, float | None]:
    if not values:
        return {"p50": None, "p90": None}
    arr = np.asarray(values)
    return {"p50": round(float(np.percentile(arr, 50)), 3), "p90": round(float(np.percentile(arr, 90)), 3)}


def percentiles(values: list[float]) -> dict[str, float | None]:
    return _pct(values)


def case_times(case: Measured, loaded: Loaded) -> dict[str, Any]:
    """One case's times (seconds from its start, None until reached) and its targets, for display."""
    firsts = loaded.firsts.get(case.id, {})
    return {
        "times": dict(zip(MILESTONES, case.times, strict=True)),
        "targets": {name: target_state(case, firsts, name, loaded.now) for name in TARGETS},
        "late_on_arrival": case.late,
    }


def response_times(
    session: Session,
    *,
    since: datetime | None = None,
    until: datetime | None = None,
    group_by: str | None,
    now: datetime,
    filters: Filters | None = None,
    loaded: Loaded | None = None,
) -> dict[str, Any]:
    """p50/p90 of each milestone and SLA attainment per group. `filters` (or plain `since`/`until`) choose the
    cases; `loaded` reuses cases already read for the same filters and `now` (the dashboard's other sections)."""
    check_group_by(group_by)
    if filters is None:
        filters = loaded.filters if loaded else Filters(since=since, until=until)
    if loaded is None or loaded.filters != filters or loaded.now != now:
        loaded = load(session, filters, now)

    groups: dict[str, list[Measured]] = defaultdict(list)
    for case in loaded.cases:
        groups[group_of(case, group_by)].append(case)

    out = []
    for key, members in sorted(groups.items()):
        on_time = [c for c in members if not c.late]
        late = [c for c in members if c.late]
        row: dict[str, Any] = {"group": key, "count": len(members)}
        row.update(_times(on_time))  # from the post's own time
        # cases that reached us after their target had passed: measured from arrival, kept apart
        row["late_on_arrival"] = {"count": len(late), **_times(late)}
        sla = {name: _attainment(members, i) for i, name in enumerate(TARGETS)}
        row["sla_met_ratio"] = sla["ack"]  # the contract's figure: acknowledged within the target
        row["sla"] = sla
        out.append(row)
    return {
        "group_by": group_by,
        "since": filters.since.isoformat() if filters.since else None,
        "until": filters.until.isoformat() if filters.until else None,
        "hours": filters.hours,
        "filters": {k: v for k, v in filters.query().items() if k not in ("since", "until", "hours")},
        "groups": out,
    }
