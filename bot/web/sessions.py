"""Browser sessions: the cookie holds a random id whose SHA-256 is stored, never the API token. A session ends
when it expires, when its token is revoked or expires, or on logout."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session

from bot.access.tokens import Principal
from bot.models import ApiToken, WebSession

COOKIE = "rrbot_session"
LIFETIME = timedelta(hours=12)


@dataclass(frozen=True)
class WebUser:
    principal: Principal
    csrf: str

    @property
    def name(self) -> str:
        return self.principal.name

    @property
    def actor(self) -> str:
        """How the timeline names this person (the API's is ``api:<name>``)."""
        return f"web:{self.principal.name}"

    def allows(self, scope: str) -> bool:
        return self.principal.allows(scope)

    def csrf_ok(self, submitted: str | None) -> bool:
        return bool(submitted) and hmac.compare_digest(self.csrf.encode(), (submitted or "").encode())


def _digest(session_id: str) -> str:
    return hashlib.sha256(session_id.encode()).hexdigest()


def start(session: Session, *, principal: Principal, now: datetime) -> str:
    """A new session for a verified token; returns the id for the cookie. Expired sessions are swept here."""
    session.execute(sa.delete(WebSession).where(WebSession.expires_at <= now))
    session_id = secrets.token_urlsafe(32)
    session.add(
        WebSession(
            id_hash=_digest(session_id),
            token_id=principal.token_id,
            csrf=secrets.token_urlsafe(32),
            created_at=now,
            expires_at=now + LIFETIME,
        )
    )
    return session_id


def lookup(session: Session, *, session_id: str | None, now: datetime) -> WebUser | None:
    if not session_id or len(session_id) > 128:
        return None
    row = session.get(WebSession, _digest(session_id))
    if row is None or row.expires_at <= now:
        return None
    token = session.get(ApiToken, row.token_id)
    if token is None or token.revoked_at is not None or (token.expires_at is not None and token.expires_at <= now):
        return None
    return WebUser(Principal(token.id, token.name, frozenset(token.scopes)), row.csrf)


def end(session: Session, *, session_id: str | None) -> None:
    if session_id and len(session_id) <= 128:
        session.execute(sa.delete(WebSession).where(WebSession.id_hash == _digest(session_id)))
