"""A minimal queue page at `/` (the managers' dashboard comes later). Needs an agent token, kept in a cookie."""

from __future__ import annotations

import html
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Cookie, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from bot.access.tokens import require_scope
from bot.api.deps import ContextDep, SessionDep
from bot.cases.queries import QueueFilter, list_queue, render_cases
from bot.errors import RRBotError

router = APIRouter(include_in_schema=False)
COOKIE = "rrbot_token"

STYLE = """
body{font:14px/1.4 system-ui,sans-serif;margin:24px;color:#1d1c1d}h1{font-size:20px}
table{border-collapse:collapse;width:100%}th,td{padding:6px 8px;border-bottom:1px solid #ddd;text-align:left;vertical-align:top}
th{background:#f4f4f4}.lv{font-weight:600;border-radius:4px;padding:2px 6px;color:#fff}
.critical{background:#b00020}.high{background:#e8590c}.normal{background:#1971c2}.low{background:#868e96}.pending{background:#adb5bd}
.muted{color:#666;font-size:12px}.text{max-width:520px}
"""


def _login_page(message: str = "") -> HTMLResponse:
    note = f"<p style='color:#b00020'>{html.escape(message)}</p>" if message else ""
    body = f"""<!doctype html><html><head><meta charset="utf-8"><title>Rapid Response Bot</title>
<style>{STYLE}</style></head><body><h1>Rapid Response Bot</h1>{note}
<form method="post" action="/login"><label>API token (agent scope): <input name="token" type="password" size="50"></label>
<button type="submit">Open the queue</button></form>
<p class="muted">Create one with <code>rrbot token create --name me --scope agent</code>.
<code>make run</code> writes a local token to <code>var/dev-token</code>.</p></body></html>"""
    return HTMLResponse(body, status_code=401 if message else 200)


def _age(created: str, now: datetime) -> str:
    seconds = int((now - datetime.fromisoformat(created)).total_seconds())
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size:
            return f"{seconds // size}{unit}"
    return f"{max(seconds, 0)}s"


def _row(case: dict[str, Any], now: datetime) -> str:
    cls = case["classification"]
    level = cls["urgency"]["level"] if cls else "pending"
    reasons = "; ".join(cls["urgency"]["reasons"]) if cls else "waiting for the model"
    category = (cls["category"].get("label") or cls["category"]["name"] or "—") if cls else "—"
    sentiment = cls["sentiment"]["label"] if cls else "—"
    serious = [r for r in (cls or {}).get("risks", []) if r.get("serious")]
    risks = ", ".join(f"{r['type']} {r['score']:.0%}" for r in serious) or "—"
    who = case.get("author", {}).get("handle") or case.get("requester", {}).get("email") or "?"
    esc = case["escalation"]
    escalation = "—" if esc["status"] == "none" else f"{esc['status']} {esc.get('channel') or ''}"
    return (
        f"<tr><td><span class='lv {level}'>{html.escape(level)}</span></td>"
        f"<td class='text'>{html.escape(case['text'][:400])}<div class='muted'>{html.escape(reasons)}</div></td>"
        f"<td class='risk'>{html.escape(risks)}</td>"
        f"<td>{html.escape(category)}</td><td>{html.escape(sentiment)}</td>"
        f"<td>{html.escape(case['source'])}<div class='muted'>{html.escape(str(who))}</div></td>"
        f"<td>{html.escape(case['status'])}</td><td>{html.escape(escalation)}</td>"
        f"<td>{_age(case['created_at'], now)}</td></tr>"
    )


@router.get("/", response_class=HTMLResponse)
def queue_page(
    request: Request,
    ctx: ContextDep,
    session: SessionDep,
    rrbot_token: Annotated[str | None, Cookie()] = None,
    status: Annotated[str | None, Query()] = "new,acked,replied",
) -> Response:
    if not rrbot_token:
        return _login_page()
    try:
        principal = ctx.verifier.authenticate(f"Bearer {rrbot_token}")
        require_scope(principal, "agent")
    except RRBotError as exc:
        return _login_page(exc.message)
    statuses = [s for s in (status or "").split(",") if s] or None
    cases, _ = list_queue(session, filters=QueueFilter(status=statuses), limit=100)
    now = ctx.clock.now()
    rows = "".join(_row(c, now) for c in render_cases(session, cases))
    model = "ready" if ctx.model.ready.is_set() and not ctx.model.error else (ctx.model.error or "loading")
    body = f"""<!doctype html><html><head><meta charset="utf-8"><meta http-equiv="refresh" content="3">
<title>Queue · Rapid Response Bot</title><style>{STYLE}</style></head><body>
<h1>Triaged queue</h1><p class="muted">Most urgent first, then oldest. Model: {html.escape(model)}.
Slack: {"on" if ctx.settings.slack_enabled else "off (escalations are kept here and in the log)"}.
Showing {len(cases)} open cases · refreshes every 3 s · <a href="/docs">API docs</a></p>
<table><tr><th>Urgency</th><th>Text and reasons</th><th>Risks</th><th>Category</th><th>Sentiment</th><th>Source</th><th>Status</th>
<th>Escalation</th><th>Age</th></tr>{rows or "<tr><td colspan=9>Nothing waiting. Try <code>rrbot demo</code>.</td></tr>"}
</table></body></html>"""
    return HTMLResponse(body)


@router.post("/login")
def login(token: Annotated[str, Form(max_length=200)], ctx: ContextDep) -> Response:
    try:
        require_scope(ctx.verifier.authenticate(f"Bearer {token}"), "agent")
    except RRBotError as exc:
        return _login_page(exc.message)
    response = RedirectResponse("/", status_code=303)
    response.set_cookie(COOKIE, token, httponly=True, samesite="strict", max_age=12 * 3600)
    return response
