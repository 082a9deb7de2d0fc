"""Jinja2 templates (autoescaped: customer text is always escaped) and the small formatters pages share."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, PackageLoader, select_autoescape
from pydantic import ValidationError

from bot.errors import RRBotError
from bot.web.sessions import WebUser

env = Environment(loader=PackageLoader("bot.web", "templates"), autoescape=select_autoescape(default=True))


def span(seconds: float | None) -> str:
    """'45s', '12m', '3h 5m', '2d 4h'."""
    if seconds is None:
        return "—"
    s = int(abs(seconds))
    if s < 60:
        return f"{s}s"
    if s < 3600:
        return f"{s // 60}m"
    if s < 86400:
        return f"{s // 3600}h {s % 3600 // 60}m"
    return f"{s // 86400}d {s % 86400 // 3600}h"


def when(value: str | datetime | None) -> str:
    if value is None:
        return "—"
    at = datetime.fromisoformat(value) if isinstance(value, str) else value
    return at.strftime("%Y-%m-%d %H:%M:%S UTC")


env.filters["span"] = span
env.filters["when"] = when


def explain(exc: Exception) -> str:
    """A refusal in words for a person: the message and each field's reason."""
    if isinstance(exc, ValidationError):
        return "; ".join(f"{'.'.join(str(p) for p in e['loc']) or 'form'}: {e['msg']}" for e in exc.errors())
    if isinstance(exc, RRBotError):
        details = exc.details if isinstance(exc.details, list) else []
        reasons = [str(d.get("reason", "")) for d in details if isinstance(d, dict)]
        return "; ".join([exc.message, *[r for r in reasons if r]])
    return str(exc)


def page(request: Request, template: str, *, user: WebUser | None, status_code: int = 200, **values: Any) -> HTMLResponse:
    body = env.get_template(template).render(request=request, user=user, **values)
    return HTMLResponse(body, status_code=status_code, headers={"Cache-Control": "no-store"})
