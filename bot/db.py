"""Engine and sessions."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker


def create_db_engine(url: str, **kwargs: Any) -> sa.Engine:
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database
        if database and database != ":memory:":
            Path(database).parent.mkdir(parents=True, exist_ok=True)
            # owner-only: the file holds customers' words and token hashes (its -wal/-shm files follow its mode)
            os.close(os.open(database, os.O_CREAT | os.O_RDWR, 0o600))
        engine = sa.create_engine(
            url, connect_args={"check_same_thread": False, "timeout": 30}, pool_size=8, max_overflow=16, **kwargs
        )

        @sa.event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
            dbapi_conn.isolation_level = None  # let SQLAlchemy's begin event issue BEGIN itself
            cur = dbapi_conn.cursor()
            # WAL: readers do not block the writer; NORMAL sync survives a killed process.
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA busy_timeout=30000")
            cur.close()

        @sa.event.listens_for(engine, "begin")
        def _sqlite_begin(conn: sa.Connection) -> None:
            # Take the write lock at BEGIN so concurrent writers queue instead of failing on upgrade.
            conn.exec_driver_sql("BEGIN IMMEDIATE")

        engine.dialect._rrbot_sqlite = True  # type: ignore[attr-defined]
        return engine
    return sa.create_engine(url, pool_size=10, max_overflow=20, pool_pre_ping=True, **kwargs)


def make_session_factory(engine: sa.Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


@contextmanager
def transaction(factory: sessionmaker[Session]) -> Iterator[Session]:
    """A session whose work commits on success and rolls back on error."""
    with factory() as session, session.begin():
        yield session


INGEST_CHANNEL, OUTBOX_CHANNEL = "rrbot_ingest", "rrbot_outbox"  # PostgreSQL NOTIFY channels (workers/wakeups)


def announce(session: Session, channel: str) -> None:
    """Tell other processes, when this transaction commits, that `channel` has new work (PostgreSQL NOTIFY:
    delivered on commit, collapsed within one transaction; nothing on SQLite, where one process does it all)."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(sa.text(f"NOTIFY {channel}"))
