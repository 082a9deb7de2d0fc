"""One case at `/cases/{id}`: the text, who wrote it and their reach, what the model read and why it is urgent,
suggested replies, the whole timeline, related cases, and every action the Slack card has. Actions run through
`bot.actions.perform`, like the API's, so they show on the Slack card and a double submission does nothing."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from datetime import datetime
from typing import Any
from urllib.parse import quote, urlsplit

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError
from sqlalchemy.orm import Session

from bot.actions import lifecycle, reminders, snooze
from bot.actions.perform import perform
from bot.actions.suggestions import case_ref, suggest_for_case
from bot.api.deps import ContextDep, SessionDep
from bot.cases import people
from bot.cases.queries import get_case, render_cases
from bot.context import AppContext
from bot.enums import RiskType, UrgencyLevel
from bot.errors import RRBotError
from bot.schemas import AssignIn, FeedbackIn, LinkIn, RemindIn, ReplyIn, SnoozeIn
from bot.web.auth import AgentPage, check_csrf
from bot.web.queue import row_view
from bot.web.render import explain, page
from bot.web.sessions import WebUser

router = APIRouter(include_in_schema=False)
Action = Callable[[Session, datetime], object]
DONE = {
    "ack": "Acknowledged.",
    "assign": "Assignment saved.",
    "reply": "Reply recorded.",
    "remind": "Team reminder queued.",
    "snooze": "Snoozed.",
    "resolve": "Resolved.",
    "reopen": "Reopened.",
    "feedback": "Thanks: the correction is kept for the next training run.",
    "link": "Linked: this customer's cases now show as one story.",
}


def _link(url: Any) -> str | None:
    """The original post's address, only if it is a plain web link (never `javascript:`)."""
    if not isinstance(url, str):
        return None
    return url if urlsplit(url).scheme in ("http", "https") else None


@router.get("/cases/{case_id}", response_class=HTMLResponse)
def case_view(case_id: str, request: Request, ctx: ContextDep, session: SessionDep, user: AgentPage) -> Response:
    try:
        case = get_case(session, case_id)
    except RRBotError as exc:
        return page(request, "error.html", user=user, heading="No such case", reason=exc.message, status_code=404)
    body = render_cases(session, [case])[0]
    book = next((b for b in ctx.playbooks if b.business == case.playbook), None)
    category = book.category(case.category) if book and case.category else None
    reminder = category.reminder if category else None
    now = ctx.clock.now()
    related = [row_view(c, now) for c in render_cases(session, people.story(session, case))]
    message, kind = DONE.get(request.query_params.get("done", "")), "ok"
    if request.query_params.get("error"):
        message, kind = request.query_params["error"][:500], "error"
    return page(
        request,
        "case.html",
        user=user,
        case=body,
        row=row_view(body, now),
        link=_link(body.get("url")),
        ref=case_ref(case.id),
        suggestions=[s.text for s in suggest_for_case(case, book=book, category=category)],
        reminder_text=reminder.text if reminder else f"Reminder after complaint {case_ref(case.id)}: ",
        reminder_channels=", ".join(reminder.channels) if reminder else "",
        categories=[(c.id, c.name) for c in book.categories] if book else [],
        urgencies=[u.value for u in reversed(UrgencyLevel)],
        risk_types=[r.value for r in RiskType],
        related=related,
        identities=sorted(people.identities(session, case.author_key)),
        this_week=people.complaints_in_week(session, case, until=now),
        message=message,
        message_kind=kind,
        once=secrets.token_urlsafe(16),
    )


def _action(name: str, form: dict[str, Any], user: WebUser, case_id: str) -> Action:
    """The service call a form asks for, its fields checked by the API's own schemas."""
    actor = user.actor
    if name == "ack":
        return lambda s, now: lifecycle.ack(s, case_id=case_id, actor=actor, now=now)
    if name == "resolve":
        return lambda s, now: lifecycle.resolve(s, case_id=case_id, actor=actor, now=now)
    if name == "reopen":
        return lambda s, now: lifecycle.reopen(s, case_id=case_id, actor=actor, now=now)
    if name == "assign":
        to = user.name if form.get("to_me") else form.get("assignee")
        assignee = AssignIn(assignee=to or None).assignee
        return lambda s, now: lifecycle.assign(s, case_id=case_id, assignee=assignee, actor=actor, now=now)
    if name == "link":
        other = LinkIn(person=form.get("person", "")).person
        return lambda s, now: lifecycle.link_person(s, case_id=case_id, other=other, actor=actor, now=now)
    if name == "reply":
        body = ReplyIn(text=form.get("text", ""), send=bool(form.get("send")))
        return lambda s, now: lifecycle.reply(s, case_id=case_id, text=body.text, send=body.send, actor=actor, now=now)
    if name == "remind":
        channels = [c.strip() for c in str(form.get("channels", "")).replace(",", " ").split() if c.strip()]
        r = RemindIn(text=form.get("text", ""), channels=channels)
        return lambda s, now: reminders.send(s, case_id=case_id, text=r.text, channels=r.channels, actor=actor, now=now)
    if name == "snooze":
        minutes = SnoozeIn(minutes=form.get("minutes") or 60).minutes
        return lambda s, now: snooze.snooze(s, case_id=case_id, minutes=minutes, actor=actor, now=now)
    if name == "feedback":
        fields = {k: form[k] for k in ("sentiment", "urgency", "category", "note") if form.get(k)}
        if form.get("is_complaint") in ("yes", "no"):
            fields["is_complaint"] = form["is_complaint"] == "yes"
        if form.get("risks_given"):
            fields["risks"] = [r for r in form.get("risks", []) if r]
        corrections = FeedbackIn(**fields).model_dump(exclude_none=True, mode="json")
        if not corrections:
            raise ValueError("choose at least one correction")
        return lambda s, now: lifecycle.feedback(s, case_id=case_id, corrections=corrections, actor=actor, now=now)
    raise ValueError(f"unknown action {name!r}")


@router.post("/cases/{case_id}/{name}")
async def case_action(case_id: str, name: str, request: Request, ctx: ContextDep, user: AgentPage) -> Response:
    form = await request.form()
    check_csrf(user, str(form.get("csrf") or ""))
    fields: dict[str, Any] = {k: form.get(k) for k in form if k != "risks"}
    fields["risks"] = [str(v) for v in form.getlist("risks")]
    back = f"/cases/{quote(case_id)}"
    try:
        action = _action(name, fields, user, case_id)
        once = str(form.get("once") or "")[:64]
        await _run(ctx, case_id, action, f"web:{user.principal.token_id}:{once}" if once else None)
    except (ValidationError, RRBotError, ValueError) as exc:
        return RedirectResponse(f"{back}?error={quote(explain(exc)[:400])}", status_code=303)
    return RedirectResponse(f"{back}?done={quote(name)}", status_code=303)


async def _run(ctx: AppContext, case_id: str, action: Action, once_key: str | None) -> None:
    await run_in_threadpool(perform, ctx.session_factory, ctx.clock, case_id, action, once_key=once_key)
