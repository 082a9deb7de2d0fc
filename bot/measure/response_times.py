"""Response-time figures, read from the timeline (never counted by hand)."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from typing import Any

import numpy as np
import sqlalchemy as sa
from sqlalchemy.orm import Session

from bot.clock import as_utc
from bot.enums import urgency_label
from bot.errors import InvalidRequest
from bot.models import Case, TimelineEvent

GROUPS = ("source", "category", "urgency")
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


def _times(members: list[Any], firsts: dict[str, dict[str, datetime]], start: Any) -> dict[str, Any]:
    out = {}
    for name, event_type in MILESTONES.items():
        values = [(firsts[c.id][event_type] - start(c)).total_seconds() for c in members if event_type in firsts[c.id]]
        out[name] = _pct(values)
    return out


def _attainment(
    members: list[Any], firsts: dict[str, dict[str, datetime]], event: str, due_field: str, now: datetime
) -> float | None:
    """Share of cases that met the target, among those met or already missed (open ones still in time wait)."""
    met = judged = 0
    for c in members:
        due = getattr(c, due_field)
        if due is None:
            continue
        at = firsts[c.id].get(event)
        if at is not None:
            judged += 1
            met += at <= due
        elif now > due:
            judged += 1
    return round(met / judged, 4) if judged else None


def _pct(values: list[float]) -> dict[str, float | None]:
    if not values:
        return {"p50": None, "p90": None}
    arr = np.asarray(values)
    return {"p50": round(float(np.percentile(arr, 50)), 3), "p90": round(float(np.percentile(arr, 90)), 3)}


def response_times(
    session: Session, *, since: datetime | None, until: datetime | None, group_by: str | None, now: datetime
) -> dict[str, Any]:
    if group_by is not None and group_by not in GROUPS:
        raise InvalidRequest("invalid group_by", [{"field": "group_by", "reason": f"one of {', '.join(GROUPS)}"}])
    stmt = sa.select(
        Case.id,
        Case.source,
        Case.category,
        Case.urgency_rank,
        Case.created_at,
        Case.ack_due_at,
        Case.reply_due_at,
        Case.resolve_due_at,
        Case.received_at,
        Case.late_minutes,
    )
    if since:
        stmt = stmt.where(Case.created_at >= since)
    if until:
        stmt = stmt.where(Case.created_at < until)
    cases = session.execute(stmt).all()
    firsts: dict[str, dict[str, datetime]] = defaultdict(dict)
    ids = [c.id for c in cases]
    for start in range(0, len(ids), 1000):
        chunk = ids[start : start + 1000]
        events = session.execute(
            sa.select(TimelineEvent.case_id, TimelineEvent.type, sa.func.min(TimelineEvent.at))
            .where(TimelineEvent.case_id.in_(chunk), TimelineEvent.type.in_(MILESTONES.values()))
            .group_by(TimelineEvent.case_id, TimelineEvent.type)
        )
        for case_id, type_, at in events:
            firsts[case_id][type_] = at if at.tzinfo else at.replace(tzinfo=now.tzinfo)

    groups: dict[str, list[Any]] = defaultdict(list)
    for case in cases:
        key = "all"
        if group_by == "source":
            key = case.source
        elif group_by == "category":
            key = case.category or "(none)"
        elif group_by == "urgency":
            key = urgency_label(case.urgency_rank)
        groups[key].append(case)

    out = []
    for key, members in sorted(groups.items()):
        on_time = [c for c in members if c.late_minutes is None]
        late = [c for c in members if c.late_minutes is not None]
        row: dict[str, Any] = {"group": key, "count": len(members)}
        row.update(_times(on_time, firsts, start=lambda c: c.created_at))  # from the post's own time
        # cases that reached us after their target had passed: measured from arrival, kept apart
        row["late_on_arrival"] = {"count": len(late), **_times(late, firsts, start=lambda c: as_utc(c.received_at))}
        sla = {name: _attainment(members, firsts, event, due, now) for name, (event, due) in TARGETS.items()}
        row["sla_met_ratio"] = sla["ack"]  # the contract's figure: acknowledged within the target
        row["sla"] = sla
        out.append(row)
    return {
        "group_by": group_by,
        "since": since.isoformat() if since else None,
        "until": until.isoformat() if until else None,
        "groups": out,
    }
