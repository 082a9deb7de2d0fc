"""Snooze a case: re-pings wait until the snooze ends. Snoozing a snoozed case changes nothing."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from bot.cases import timeline
from bot.cases.queries import get_case
from bot.enums import CaseStatus
from bot.models import Case


def snooze(session: Session, *, case_id: str, minutes: int, actor: str, now: datetime) -> tuple[Case, bool]:
    case = get_case(session, case_id, for_update=True)
    if case.status == CaseStatus.RESOLVED or (case.snoozed_until is not None and case.snoozed_until > now):
        return case, False
    case.snoozed_until = now + timedelta(minutes=minutes)
    timeline.record(
        session, case_id=case.id, type="snoozed", at=now, actor=actor, data={"until": case.snoozed_until.isoformat()}
    )
    return case, True
