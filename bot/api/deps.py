"""Dependencies shared by the routers."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.orm import Session

from bot.access.tokens import Principal, require_scope
from bot.context import AppContext


def get_context(request: Request) -> AppContext:
    ctx: AppContext = request.app.state.ctx
    return ctx


ContextDep = Annotated[AppContext, Depends(get_context)]


def get_session(ctx: ContextDep) -> Iterator[Session]:
    with ctx.session_factory() as session, session.begin():
        yield session


SessionDep = Annotated[Session, Depends(get_session)]


def scope(name: str) -> Callable[..., Principal]:
    def dependency(request: Request, ctx: ContextDep) -> Principal:
        principal = ctx.verifier.authenticate(request.headers.get("authorization"))
        require_scope(principal, name)
        return principal

    dependency.__name__ = f"require_{name}"
    return dependency


IngestUser = Annotated[Principal, Depends(scope("ingest"))]
AgentUser = Annotated[Principal, Depends(scope("agent"))]
ManagerUser = Annotated[Principal, Depends(scope("manager"))]
