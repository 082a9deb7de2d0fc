"""API tokens: shown once, stored as SHA-256 hashes, with scopes (`admin` implies every scope)."""

from __future__ import annotations

import hashlib
import hmac
import secrets
import threading
import time
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session, sessionmaker

from bot.errors import Forbidden, InvalidRequest, Unauthorized
from bot.models import ApiToken

SCOPES = ("ingest", "agent", "manager", "admin")
PREFIX = "rrb_"


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True)
class Principal:
    token_id: str
    name: str
    scopes: frozenset[str]

    def allows(self, scope: str) -> bool:
        return "admin" in self.scopes or scope in self.scopes


def create(session: Session, *, name: str, scopes: list[str], now: datetime) -> str:
    unknown = [s for s in scopes if s not in SCOPES]
    if unknown or not scopes:
        reason = f"unknown scope(s): {', '.join(unknown)}" if unknown else "at least one scope is required"
        raise InvalidRequest(reason, [{"field": "scope", "reason": f"{reason}; choose from {', '.join(SCOPES)}"}])
    if not name.strip():
        raise InvalidRequest("name is required", [{"field": "name", "reason": "must not be empty"}])
    token = PREFIX + secrets.token_urlsafe(32)
    session.add(
        ApiToken(name=name, token_hash=hash_token(token), prefix=token[:10], scopes=sorted(set(scopes)), created_at=now)
    )
    return token


class TokenVerifier:
    """Looks tokens up by hash, caching answers briefly so ingest does not hit the database per request."""

    def __init__(self, session_factory: sessionmaker[Session], cache_seconds: float = 30.0) -> None:
        self.session_factory, self.cache_seconds = session_factory, cache_seconds
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
        with self.session_factory() as session:
            row = session.execute(
                sa.select(ApiToken).where(ApiToken.token_hash == digest, ApiToken.revoked_at.is_(None))
            ).scalar_one_or_none()
        # the index lookup finds the row; compare the digests in constant time all the same
        if row is None or not hmac.compare_digest(row.token_hash, digest):
            return None
        return Principal(row.id, row.name, frozenset(row.scopes))


def require_scope(principal: Principal, scope: str) -> None:
    if not principal.allows(scope):
        raise Forbidden(f"this token lacks the '{scope}' scope", {"required": scope, "has": sorted(principal.scopes)})
