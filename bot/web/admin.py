"""The admins' page at `/admin`: API tokens (create, revoke; a new token is shown once) and the playbooks in use."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from bot.access import tokens
from bot.api.deps import ContextDep, SessionDep
from bot.db import transaction
from bot.errors import RRBotError
from bot.web.auth import AdminPage, check_csrf
from bot.web.render import page

router = APIRouter(include_in_schema=False)


def _admin_page(request: Request, ctx: ContextDep, user: AdminPage, **extra: Any) -> HTMLResponse:
    with ctx.session_factory() as session:
        rows = tokens.list_tokens(session)
    return page(
        request,
        "admin.html",
        user=user,
        tokens=rows,
        scopes=tokens.SCOPES,
        playbooks=ctx.playbooks,
        now=ctx.clock.now(),
        **extra,
    )


@router.get("/admin", response_class=HTMLResponse)
def admin(request: Request, ctx: ContextDep, session: SessionDep, user: AdminPage) -> HTMLResponse:
    return _admin_page(request, ctx, user)


@router.post("/admin/tokens")
def create_token(
    request: Request,
    ctx: ContextDep,
    user: AdminPage,
    name: Annotated[str, Form(max_length=128)],
    scope: Annotated[str, Form(max_length=16)],
    csrf: Annotated[str, Form(max_length=100)] = "",
) -> Response:
    check_csrf(user, csrf)
    try:
        with transaction(ctx.session_factory) as session:
            token = tokens.create(session, name=name, scopes=[scope], now=ctx.clock.now())
    except RRBotError as exc:
        return _admin_page(request, ctx, user, message=exc.message, message_kind="error")
    return _admin_page(request, ctx, user, new_token=token, message=f"Token for {name} created: copy it now.")


@router.post("/admin/tokens/revoke")
def revoke_token(
    request: Request,
    ctx: ContextDep,
    user: AdminPage,
    token: Annotated[str, Form(max_length=64)],
    csrf: Annotated[str, Form(max_length=100)] = "",
) -> Response:
    check_csrf(user, csrf)
    try:
        with transaction(ctx.session_factory) as session:
            tokens.revoke(session, token=token, now=ctx.clock.now())
    except RRBotError as exc:
        return _admin_page(request, ctx, user, message=exc.message, message_kind="error")
    ctx.verifier.forget()
    return RedirectResponse("/admin", status_code=303)
