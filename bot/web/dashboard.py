"""The managers' dashboard at `/dashboard` (being built)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from bot.web.auth import ManagerPage
from bot.web.render import page

router = APIRouter(include_in_schema=False)


@router.get("/dashboard", response_class=HTMLResponse)
def dashboard(request: Request, user: ManagerPage) -> HTMLResponse:
    return page(request, "error.html", user=user, heading="Dashboard", reason="coming")
