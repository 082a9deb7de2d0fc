"""Wire the browser pages into the FastAPI app: routers, static files, and what a missing login or role shows."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.responses import RedirectResponse, Response
from fastapi.staticfiles import StaticFiles

from bot.web import admin, case_page, dashboard, login, queue
from bot.web.auth import LoginRequired, PageForbidden
from bot.web.render import page

STATIC = Path(__file__).parent / "static"


def install(app: FastAPI) -> None:
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    app.state.queue_version = queue.SharedVersion()  # one poll of the data version for all open queues
    for module in (login, queue, case_page, dashboard, admin):
        app.include_router(module.router)

    async def to_login(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, LoginRequired)
        return RedirectResponse(f"/login?next={quote(exc.next_path)}", status_code=303)

    async def forbidden(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, PageForbidden)
        return page(request, "error.html", user=None, heading="Not allowed", reason=exc.reason, status_code=403)

    app.add_exception_handler(LoginRequired, to_login)
    app.add_exception_handler(PageForbidden, forbidden)
