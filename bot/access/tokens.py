"""API tokens: shown once, stored as SHA-256 hashes, with scopes (`admin` implies every scope, `manager` implies
`agent`: managers see the queue and act on cases too)."""

from __future__ import annotations

import hashlib
import hmac
import secrets
import threading
import time
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session, sessionmaker

from bot.clock import Clock, SystemClock
from bot.errors import Forbidden, InvalidRequest, Unauthorized
from bot.models import ApiToken

SCOPES = ("ingest", "agent", "manager", "admin")
LAST_USED_EVERY = timedelta(minutes=1)
PREFIX = "rrb_"


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True)
class Principal:
    token_id: str
    name: str
    scopes: frozenset[str]

    def allows(self, scope: str) -> bool:
        return "admin" in self.scopes or scope in self.scopes or (scope == "agent" and "manager" in self.scopes)


def create(session: Session, *, name: str, scopes: list[str], now: datetime, expires_at: datetime | None = None) -> str:
    unknown = [s for s in scopes if s not in SCOPES]
    if unknown or not scopes:
        reason = f"unknown scope(s): {', '.join(unknown)}" if unknown else "at least one scope is required"
        raise InvalidRequest(reason, [{"field": "scope", "reason": f"{reason}; choose from {', '.join(SCOPES)}"}])
    if not name.strip():
        raise InvalidRequest("name is required", [{"field": "name", "reason": "must not be empty"}])
    token = PREFIX + secrets.token_urlsafe(32)
    session.add(
        ApiToken(
            name=name,
            token_hash=hash_token(token),
            prefix=token[:10],
            scopes=sorted(set(scopes)),
            created_at=now,
            expires_at=expires_at,
        )
    )
    return token


def list_tokens(session: Session) -> list[ApiToken]:
    return list(session.execute(sa.select(ApiToken).order_by(ApiToken.created_at, ApiToken.id)).scalars())


def revoke(session: Session, *, token: str, now: datetime) -> ApiToken:
    """Revoke by id or by the prefix `token list` shows; an unknown or ambiguous one is refused."""
    rows = list(
        session.execute(sa.select(ApiToken).where(sa.or_(ApiToken.id == token, ApiToken.prefix == token))).scalars()
    )
    if len(rows) != 1:
        reason = "no such token" if not rows else "more than one token matches; use its id"
        raise InvalidRequest(reason, [{"field": "token", "reason": reason}])
    row = rows[0]
    if row.revoked_at is None:
        row.revoked_at = now
    return row


class TokenVerifier:
    """Looks tokens up by hash, caching answers briefly so ingest does not hit the database per request."""

    def __init__(
        self, session_factory: sessionmaker[Session], cache_seconds: float = 2.0, clock: Clock | None = None
    ) -> None:
        self.session_factory, self.cache_seconds, self.clock = session_factory, cache_seconds, clock or SystemClock()
        self._cache: dict[str, tuple[float, Principal | None]] = {}
        self._lock = threading.Lock()

    def authenticate(self, header: str | None) -> Principal:
        if not header:
            raise Unauthorized("missing Authorization header; send 'Authorization: Bearer <token>'")
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise Unauthorized("Authorization must be 'Bearer <token>'")
        digest = hash_token(token.strip())
        now = time.monotonic()
        with self._lock:
            hit = self._cache.get(digest)
        if hit and hit[0] > now:
            principal = hit[1]
        else:
            principal = self._lookup(digest)
            with self._lock:
                if len(self._cache) > 10_000:
                    self._cache.clear()
                self._cache[digest] = (now + self.cache_seconds, principal)
        if principal is None:
            raise Unauthorized("invalid or revoked token")
        return principal

    def _lookup(self, digest: str) -> Principal | None:
        now = self.clock.now()
        with self.session_factory() as session, session.begin():
            row = session.execute(
                sa.select(ApiToken).where(ApiToken.token_hash == digest, ApiToken.revoked_at.is_(None))
            ).scalar_one_or_none()
            # the index lookup finds the row; compare the digests in constant time all the same
            if row is None or not hmac.compare_digest(row.token_hash, digest):
                return None
            if row.expires_at is not None and row.expires_at <= now:
                return None
            if row.last_used_at is None or now - row.last_used_at > LAST_USED_EVERY:
                row.last_used_at = now
            return Principal(row.id, row.name, frozenset(row.scopes))

    def forget(self) -> None:
        """Drop cached answers (after a revocation in this process)."""
        with self._lock:
            self._cache.clear()


def require_scope(principal: Principal, scope: str) -> None:
    if not principal.allows(scope):
        raise Forbidden(f"this token lacks the '{scope}' scope", {"required": scope, "has": sorted(principal.scopes)})
