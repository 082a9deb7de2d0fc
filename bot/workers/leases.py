"""Database leases: exactly one replica runs each scheduled tick."""

from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.models import Lease


def acquire(session: Session, *, name: str, owner: str, now: datetime, ttl: timedelta) -> bool:
    """Take or renew the lease `name` for `owner` until now + ttl; False while another owner holds it."""
    lease = session.get(Lease, name, with_for_update=True)
    if lease is None:
        try:
            with session.begin_nested():
                session.add(Lease(name=name, owner=owner, expires_at=now + ttl))
        except IntegrityError:
            return False
        return True
    if lease.owner != owner and lease.expires_at > now:
        return False
    lease.owner, lease.expires_at = owner, now + ttl
    return True


def release(session: Session, *, name: str, owner: str) -> None:
    """Give the lease up at a clean stop, so a restarted replica (a new owner) need not wait for it to expire."""
    session.execute(sa.delete(Lease).where(Lease.name == name, Lease.owner == owner))
