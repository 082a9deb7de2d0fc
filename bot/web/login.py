"""Log in with a token once (the browser then holds a session id, never the token); log out."""

from __future__ import annotations

import hmac
import secrets
from typing import Annotated

from fastapi import APIRouter, Cookie, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from bot.api.deps import ContextDep
from bot.db import transaction
from bot.errors import RRBotError
from bot.web import sessions
from bot.web.auth import current_user
from bot.web.render import page

router = APIRouter(include_in_schema=False)
LOGIN_CSRF = "rrbot_login_csrf"  # double-submit token for the login form, before there is a session
ROLES = ("agent", "manager", "admin")


def safe_next(path: str | None) -> str:
    """Only a path on this site: never `//elsewhere` or `https://elsewhere`."""
    if not path or not path.startswith("/") or path.startswith("//") or "\\" in path:
        return "/"
    return path


def _secure(request: Request) -> bool:
    configured: bool | None = request.app.state.ctx.settings.cookie_secure
    return configured if configured is not None else request.url.scheme == "https"


def _login_page(request: Request, *, next_path: str, message: str | None = None, status_code: int = 200) -> Response:
    token = secrets.token_urlsafe(24)
    response = page(
        request,
        "login.html",
        user=None,
        csrf=token,
        next=safe_next(next_path),
        message=message,
        message_kind="error",
        status_code=status_code,
    )
    response.set_cookie(LOGIN_CSRF, token, httponly=True, samesite="strict", secure=_secure(request), max_age=3600)
    return response


@router.get("/login", response_class=HTMLResponse)
def login_form(request: Request, next: Annotated[str, Query(max_length=500)] = "/") -> Response:
    return _login_page(request, next_path=next)


@router.post("/login")
def login(
    request: Request,
    ctx: ContextDep,
    token: Annotated[str, Form(max_length=200)],
    csrf: Annotated[str, Form(max_length=100)] = "",
    next: Annotated[str, Form(max_length=500)] = "/",
    login_csrf: Annotated[str | None, Cookie(alias=LOGIN_CSRF)] = None,
) -> Response:
    if not login_csrf or not hmac.compare_digest(login_csrf.encode(), csrf.encode()):
        return _login_page(request, next_path=next, message="The form expired; please try again.", status_code=403)
    try:
        principal = ctx.verifier.authenticate(f"Bearer {token}")
    except RRBotError as exc:
        return _login_page(request, next_path=next, message=exc.message, status_code=401)
    if not any(principal.allows(r) for r in ROLES):
        message = "This token is for sending mentions only; log in with an agent, manager or admin token."
        return _login_page(request, next_path=next, message=message, status_code=403)
    with transaction(ctx.session_factory) as session:
        session_id = sessions.start(session, principal=principal, now=ctx.clock.now())
    response = RedirectResponse(safe_next(next), status_code=303)
    response.set_cookie(
        sessions.COOKIE,
        session_id,
        httponly=True,
        samesite="strict",
        secure=_secure(request),
        max_age=int(sessions.LIFETIME.total_seconds()),
    )
    response.delete_cookie(LOGIN_CSRF)
    return response


@router.post("/logout")
def logout(request: Request, ctx: ContextDep, csrf: Annotated[str, Form(max_length=100)] = "") -> Response:
    user = current_user(request, ctx)
    if user.csrf_ok(csrf):
        with transaction(ctx.session_factory) as session:
            sessions.end(session, session_id=request.cookies.get(sessions.COOKIE))
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(sessions.COOKIE)
    return response
