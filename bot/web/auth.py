"""Who is at the browser: the session cookie, the role a page needs, and the CSRF check every form passes."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import Depends, Request

from bot.api.deps import ContextDep
from bot.web import sessions
from bot.web.sessions import WebUser


class LoginRequired(Exception):
    """No valid session: the browser goes to the login page, and comes back after."""

    def __init__(self, next_path: str) -> None:
        super().__init__(next_path)
        self.next_path = next_path


class PageForbidden(Exception):
    """A valid session without the role the page needs, or a form without its CSRF token."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def current_user(request: Request, ctx: ContextDep) -> WebUser:
    with ctx.session_factory() as session, session.begin():
        user = sessions.lookup(session, session_id=request.cookies.get(sessions.COOKIE), now=ctx.clock.now())
    if user is None:
        raise LoginRequired(request.url.path)
    return user


def role(scope: str) -> Callable[..., WebUser]:
    def dependency(user: Annotated[WebUser, Depends(current_user)]) -> WebUser:
        if not user.allows(scope):
            raise PageForbidden(f"this page needs the '{scope}' role; you are logged in as {user.name}")
        return user

    dependency.__name__ = f"page_{scope}"
    return dependency


AgentPage = Annotated[WebUser, Depends(role("agent"))]
ManagerPage = Annotated[WebUser, Depends(role("manager"))]
AdminPage = Annotated[WebUser, Depends(role("admin"))]


def check_csrf(user: WebUser, submitted: str | None) -> None:
    if not user.csrf_ok(submitted):
        raise PageForbidden("the form was stale or not sent from this site (CSRF check failed); reload and try again")
