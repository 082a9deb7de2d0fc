"""`rrbot` commands called in-process (tests/bot/test_cli.py runs a few of them as a real subprocess)."""

from __future__ import annotations

import io
import json
import logging
import os
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa

from bot.cli import main
from tests.conftest import ROOT

NOISY_LOGGERS = ("", "httpx", "httpcore", "slack_sdk", "alembic.runtime.plugins")


@pytest.fixture
def db_url(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """Settings from the environment alone: no RRBOT_* leaks in, and no .env (the working folder has none)."""
    for key in list(os.environ):
        if key.startswith("RRBOT_"):
            monkeypatch.delenv(key)
    work = tmp_path / "cwd"
    work.mkdir()
    monkeypatch.chdir(work)
    url = f"sqlite:///{tmp_path / 'rrbot.db'}"
    monkeypatch.setenv("RRBOT_DATABASE_URL", url)
    monkeypatch.setenv("RRBOT_PLAYBOOKS_DIR", str(ROOT / "playbooks"))
    levels = {name: logging.getLogger(name).level for name in NOISY_LOGGERS}
    handlers = list(logging.getLogger().handlers)
    yield url
    for name, level in levels.items():  # main() sets up logging for the whole process: undo it
        logging.getLogger(name).setLevel(level)
    for handler in logging.getLogger().handlers:
        if handler not in handlers:
            logging.getLogger().removeHandler(handler)


def _tables(url: str) -> set[str]:
    engine = sa.create_engine(url)
    try:
        return set(sa.inspect(engine).get_table_names())
    finally:
        engine.dispose()


def test_migrate_creates_the_schema(db_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["migrate"]) == 0
    assert "migrations applied" in capsys.readouterr().err
    tables = _tables(db_url)
    assert {"alembic_version", "api_tokens"} <= tables
    assert main(["migrate"]) == 0  # a second run is a no-op
    assert _tables(db_url) == tables


def test_token_create_prints_a_working_token_last(db_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    from bot.access.tokens import TokenVerifier
    from bot.db import create_db_engine, make_session_factory

    assert main(["token", "create", "--name", "ops", "--scope", "agent", "--scope", "ingest", "--scope", "agent"]) == 0
    out, err = capsys.readouterr()
    token = out.strip().splitlines()[-1]
    assert token.startswith("rrb_")
    assert "created token 'ops' with scopes agent, ingest" in err and token not in err
    engine = create_db_engine(db_url)
    try:
        principal = TokenVerifier(make_session_factory(engine)).authenticate(f"Bearer {token}")
    finally:
        engine.dispose()
    assert principal.name == "ops" and principal.scopes == frozenset({"agent", "ingest"})


def test_token_create_rejects_an_unknown_scope(db_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["token", "create", "--name", "ops", "--scope", "ingest", "--scope", "root"]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert "error: unknown scope(s): root (choose from ingest, agent, manager, admin)" in err
    engine = sa.create_engine(db_url)
    try:
        with engine.connect() as conn:
            assert conn.execute(sa.text("SELECT count(*) FROM api_tokens")).scalar_one() == 0
    finally:
        engine.dispose()


def test_token_create_needs_a_scope(db_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["token", "create", "--name", "ops"])
    assert exc.value.code == 2
    assert "--scope" in capsys.readouterr().err


def test_classify_keeps_order_and_reports_bad_lines(
    db_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    src, out = tmp_path / "in.jsonl", tmp_path / "out.jsonl"
    src.write_text(
        "\n".join(
            [
                json.dumps({"id": 1, "text": "thank you, the staff at your store were lovely"}),
                json.dumps({"id": 2, "text": "   "}),
                "",  # a blank line is skipped, but still counts for line numbers
                "{not json",
                json.dumps(["a", "list"]),
                json.dumps({"id": 6, "text": "my parcel never arrived, two weeks late", "author": {"followers": 9}}),
                json.dumps({"id": 7, "text": "the heater caught fire", "source": "zendesk"}),
            ]
        )
        + "\n",
        encoding="utf-8",
    )
    code = main(["classify", "--input", str(src), "--output", str(out), "--batch-size", "4"])
    assert code == 2
    results = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert [r.get("id") for r in results] == [1, 2, None, None, 6, 7]
    assert [r.get("error") for r in results] == [
        None,
        "line 2: 'text' must be a non-empty string",
        "line 4: not JSON (Expecting property name enclosed in double quotes)",
        "line 5: expected an object",
        None,
        None,
    ]
    assert results[0]["sentiment"]["label"] == "positive"
    assert results[4]["category"]["name"] == "delivery_delay"
    assert results[5]["risks"] and results[5]["urgency"]["level"] in {"high", "critical"}
    err = capsys.readouterr().err
    assert "classified 6 lines" in err and "3 errors" in err


def test_classify_stdin_to_stdout_without_errors(
    db_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    texts = ["my order is late again", "love the new store layout", "I was charged twice for one jumper"]
    monkeypatch.setattr("sys.stdin", io.StringIO("".join(json.dumps({"id": t, "text": t}) + "\n" for t in texts)))
    assert main(["classify"]) == 0
    out, err = capsys.readouterr()
    results = [json.loads(line) for line in out.splitlines()]
    assert [r["id"] for r in results] == texts
    assert not any("error" in r for r in results)
    assert "classified 3 lines" in err and "0 errors" in err


def test_playbooks_check_lists_the_shipped_playbooks(db_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["playbooks", "check"]) == 0  # the folder from RRBOT_PLAYBOOKS_DIR
    default = capsys.readouterr().out
    assert main(["playbooks", "check", "--dir", str(ROOT / "playbooks")]) == 0
    assert capsys.readouterr().out == default
    (line,) = default.strip().splitlines()
    assert line.startswith("acme-retail: ") and "categories (pushy_staff, delivery_delay, billing_error" in line


def test_playbooks_check_names_the_broken_file(db_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = tmp_path / "books"
    folder.mkdir()
    (folder / "good.yaml").write_text((ROOT / "playbooks" / "retail.yaml").read_text(encoding="utf-8"))
    broken = folder / "shop.yaml"
    broken.write_text("business: shop\ncategories: [unclosed\n", encoding="utf-8")
    assert main(["playbooks", "check", "--dir", str(folder)]) == 1
    out, err = capsys.readouterr()
    assert out == ""  # nothing is listed while any file is broken
    lines = err.strip().splitlines()
    assert lines[0].startswith(f"{broken}:") and "(yaml)" in lines[0]
    assert lines[-1] == "1 problem(s) found"


def test_playbooks_check_reports_every_invalid_field_with_its_line(
    db_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "books"
    folder.mkdir()
    bad = folder / "shop.yml"
    bad.write_text("business: shop\nname: Shop\ncategory_threshold: lots\n", encoding="utf-8")
    assert main(["playbooks", "check", "--dir", str(folder)]) == 1
    err = capsys.readouterr().err
    assert f"{bad}:3: category_threshold:" in err
    assert err.strip().splitlines()[-1].endswith("problem(s) found")


def test_playbooks_check_on_an_empty_or_missing_folder(
    tmp_path: Path, db_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["playbooks", "check", "--dir", str(tmp_path)]) == 1
    assert "no playbook files" in capsys.readouterr().err
    assert main(["playbooks", "check", "--dir", str(tmp_path / "nope")]) == 1
    assert "playbooks folder does not exist" in capsys.readouterr().err


def test_tokens_are_listed_revoked_at_once_and_expire(db_url, capsys):
    from datetime import timedelta

    from bot.access.tokens import TokenVerifier
    from bot.clock import FakeClock
    from bot.db import create_db_engine, make_session_factory
    from bot.errors import Unauthorized

    assert main(["token", "create", "--name", "ci", "--scope", "ingest"]) == 0
    token = capsys.readouterr().out.strip().splitlines()[-1]
    assert main(["token", "create", "--name", "short", "--scope", "agent", "--expires-days", "1"]) == 0
    short = capsys.readouterr().out.strip().splitlines()[-1]
    engine = create_db_engine(os.environ["RRBOT_DATABASE_URL"])
    clock = FakeClock()
    verifier = TokenVerifier(make_session_factory(engine), cache_seconds=0, clock=clock)
    assert verifier.authenticate(f"Bearer {token}").name == "ci"

    assert main(["token", "list"]) == 0
    listed = capsys.readouterr().out
    assert "ci" in listed and "short" in listed and token not in listed and token[:10] in listed
    assert "expires" in listed and "active" in listed

    assert main(["token", "revoke", token[:10]]) == 0
    capsys.readouterr()
    with pytest.raises(Unauthorized):
        verifier.authenticate(f"Bearer {token}")  # at once: no cache to wait out here
    assert main(["token", "revoke", "no-such"]) == 2
    assert "no such token" in capsys.readouterr().err

    clock.set(datetime.now(UTC) + timedelta(days=2))
    with pytest.raises(Unauthorized):
        verifier.authenticate(f"Bearer {short}")  # expired
    engine.dispose()


def test_the_sqlite_database_is_created_owner_only(db_url):
    assert main(["migrate"]) == 0
    path = Path(os.environ["RRBOT_DATABASE_URL"].removeprefix("sqlite:///"))
    assert oct(path.stat().st_mode & 0o777) == "0o600"
