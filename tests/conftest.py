"""Shared fixtures: every database test runs on SQLite and on PostgreSQL.

PostgreSQL runs when RRBOT_TEST_POSTGRES_URL is set, or in CI (CI=true), where it defaults to the server at
127.0.0.1:5432 and an unreachable server fails the run instead of skipping.
"""

from __future__ import annotations

import os
import shutil
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

ROOT = Path(__file__).resolve().parent.parent
CI_POSTGRES = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


def postgres_url() -> str | None:
    """The configured PostgreSQL database; under pytest-xdist each worker gets its own (test_gw0, ...)."""
    url = os.environ.get("RRBOT_TEST_POSTGRES_URL")
    if not url and os.environ.get("CI", "").lower() == "true":
        url = CI_POSTGRES
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if url and worker:
        parsed = sa.engine.make_url(url)
        url = parsed.set(database=f"{parsed.database}_{worker}").render_as_string(hide_password=False)
    return url


def _create_worker_database(url: str) -> None:
    target = sa.engine.make_url(url)
    admin = sa.create_engine(target.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        exists = conn.execute(sa.text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": target.database}).first()
        if not exists:
            conn.exec_driver_sql(f'CREATE DATABASE "{target.database}"')
    admin.dispose()


def _check_postgres(url: str) -> None:
    try:
        engine = sa.create_engine(url)
        with engine.connect() as conn:
            conn.execute(sa.text("SELECT 1"))
        engine.dispose()
    except Exception as exc:
        pytest.exit(f"PostgreSQL at {url} is required (CI or RRBOT_TEST_POSTGRES_URL) but unreachable: {exc}", 2)


def pytest_configure(config: pytest.Config) -> None:
    url = postgres_url()
    if url and os.environ.get("PYTEST_XDIST_WORKER"):
        try:
            _create_worker_database(url)
        except Exception as exc:
            pytest.exit(f"could not create the worker database for {url}: {exc}", 2)
    if url:
        _check_postgres(url)


def _database_params() -> list[Any]:
    params: list[Any] = ["sqlite"]
    params.append(
        "postgres"
        if postgres_url()
        else pytest.param(
            "postgres", marks=pytest.mark.skip(reason="set RRBOT_TEST_POSTGRES_URL (CI sets it) to run on PostgreSQL")
        )
    )
    return params


_pg_schema_ready = False


def _reset_postgres(url: str) -> None:
    global _pg_schema_ready
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        if not _pg_schema_ready:
            conn.exec_driver_sql("DROP SCHEMA IF EXISTS public CASCADE")
            conn.exec_driver_sql("CREATE SCHEMA public")
            _pg_schema_ready = True
        else:
            tables = (
                conn.execute(
                    sa.text(
                        "SELECT tablename FROM pg_tables WHERE schemaname='public' AND tablename <> 'alembic_version'"
                    )
                )
                .scalars()
                .all()
            )
            if tables:
                conn.exec_driver_sql("TRUNCATE " + ", ".join(f'"{t}"' for t in tables) + " CASCADE")
    engine.dispose()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One migrated SQLite database per run; each test gets a copy (migrating afresh costs ~0.4 s a test)."""
    from bot import migrate
    from bot.db import create_db_engine

    path = tmp_path_factory.mktemp("template") / "rrbot.db"
    engine = create_db_engine(f"sqlite:///{path}")
    migrate.upgrade(engine)
    engine.dispose()  # the last connection closing checkpoints the WAL into the file
    assert not path.with_name("rrbot.db-wal").exists()
    return path


@pytest.fixture(params=_database_params())
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        template: Path = request.getfixturevalue("sqlite_template")
        shutil.copyfile(template, tmp_path / "rrbot.db")
        return f"sqlite:///{tmp_path / 'rrbot.db'}"
    url = postgres_url()
    assert url
    _reset_postgres(url)
    return url


@pytest.fixture
def make_settings(database_url: str) -> Callable[..., Any]:
    from bot.settings import Settings

    def build(**overrides: Any) -> Settings:
        values: dict[str, Any] = {
            "database_url": database_url,
            "playbooks_dir": ROOT / "playbooks",
            "worker_poll_seconds": 0.05,
            "slack_bot_token": None,
            "slack_signing_secret": None,
            "escalation_channel": "C0FALLBACK",
        }
        values.update(overrides)
        return Settings(_env_file=None, **values)

    return build


@pytest.fixture
def settings(make_settings: Callable[..., Any]) -> Any:
    return make_settings()


@pytest.fixture
def app_client(settings: Any) -> Iterator[Any]:
    from fastapi.testclient import TestClient

    from bot.main import create_app

    app = create_app(settings)
    with TestClient(app) as client:
        assert app.state.ctx.model.ready.wait(60)
        yield client


def make_token(client: Any, *scopes: str) -> dict[str, str]:
    from bot.access import tokens
    from bot.db import transaction

    ctx = client.app.state.ctx
    with transaction(ctx.session_factory) as session:
        token = tokens.create(session, name="test-" + "-".join(scopes), scopes=list(scopes), now=ctx.clock.now())
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def admin(app_client: Any) -> dict[str, str]:
    return make_token(app_client, "admin")


def cli_token(env: dict[str, str], name: str, *scopes: str) -> str:
    """A token made by `rrbot token create` in a child process, as an operator would (its last line)."""
    import subprocess
    import sys

    scope_args = [a for scope in scopes for a in ("--scope", scope)]
    done = subprocess.run(
        [sys.executable, "-m", "bot.cli", "token", "create", "--name", name, *scope_args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout.strip().splitlines()[-1]


def wait_for(predicate: Callable[[], Any], timeout: float = 15.0, interval: float = 0.05) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError("condition not met in time")
