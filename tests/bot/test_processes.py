"""Many processes, one truth: two `rrbot serve --no-workers` and two `rrbot worker` processes on one PostgreSQL,
a fake Slack Web API, mentions arriving at both front doors. Mid-load one worker is killed with SIGKILL and every
database connection is cut (as a PostgreSQL restart does). Afterwards: every accepted case is stored and
classified exactly once, every escalation is posted, and no card is posted twice."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
from itertools import count
from pathlib import Path
from typing import Any

import httpx
import pytest
import sqlalchemy as sa

from tests.bot.helpers import mention
from tests.conftest import ROOT, cli_token, wait_for
from tests.live_server import free_port
from tests.slack.fake_slack import FakeSlack

URGENT = "the {n} charger you sold me caught fire on my desk tonight, my kids could have been hurt"
ORDINARY = "where is order {n}? it is a week late"


def _spawn(args: list[str], env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    out = open(log, "ab")  # noqa: SIM115 - the child owns it
    return subprocess.Popen([sys.executable, "-m", "bot.cli", *args], cwd=ROOT, env=env, stdout=out, stderr=out)


def _ready(port: int) -> bool:
    try:
        return httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=1).status_code == 200
    except httpx.HTTPError:
        return False


def _query(engine: sa.Engine, sql: str) -> Any:
    with engine.connect() as conn:
        return conn.execute(sa.text(sql)).all()


@pytest.mark.extended
def test_two_servers_two_workers_survive_a_kill_and_dropped_connections(database_url, tmp_path):
    if not database_url.startswith("postgresql"):
        pytest.skip("many processes share one PostgreSQL; SQLite runs one process")
    fake = FakeSlack().start()
    env = {
        **os.environ,
        "RRBOT_DATABASE_URL": database_url,
        "RRBOT_PLAYBOOKS_DIR": str(ROOT / "playbooks"),
        "RRBOT_LOG_LEVEL": "WARNING",
        "RRBOT_CLAIM_SECONDS": "3",  # a killed worker's claims come back quickly
        "SLACK_BOT_TOKEN": "xoxb-test",
        "SLACK_SIGNING_SECRET": "test-secret",
        "RRBOT_SLACK_API_URL": fake.url,
        "RRBOT_ESCALATION_CHANNEL": "C0FALLBACK",
    }
    token = cli_token(env, "load", "ingest")
    ports = [free_port(), free_port()]
    servers = [
        _spawn(["serve", "--no-workers", "--port", str(p)], env, tmp_path / f"serve{i}.log")
        for i, p in enumerate(ports)
    ]
    workers = [_spawn(["worker"], env, tmp_path / f"worker{i}.log") for i in range(2)]
    engine = sa.create_engine(database_url)
    accepted: list[str] = []
    numbers = count()
    stop = threading.Event()

    def send(port: int) -> None:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", headers={"Authorization": f"Bearer {token}"}) as c:
            while not stop.is_set():
                n = next(numbers)
                text = (URGENT if n % 10 == 0 else ORDINARY).format(n=n)
                try:
                    answer = c.post("/v1/mentions", json=mention(text, author={"handle": f"u{n}"}), timeout=5)
                except httpx.HTTPError:
                    continue  # the connection cut: not accepted, so nothing is owed
                if answer.status_code == 202:
                    accepted.append(answer.json()["case_id"])

    senders = [threading.Thread(target=send, args=(p,), daemon=True) for p in ports for _ in range(2)]
    try:
        for port in ports:
            wait_for(lambda port=port: _ready(port), timeout=90, interval=0.2)
        for t in senders:
            t.start()
        wait_for(lambda: len(accepted) >= 100, timeout=60, interval=0.05)
        workers[0].send_signal(signal.SIGKILL)  # mid-load, holding claims
        workers[0].wait()
        with engine.connect() as conn:  # every other connection to the database is cut, as a restart does
            conn.execute(
                sa.text(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE datname = current_database() AND pid <> pg_backend_pid()"
                )
            )
            conn.commit()
        wait_for(lambda: len(accepted) >= 250, timeout=60, interval=0.05)
        stop.set()
        for t in senders:
            t.join()

        def settled() -> bool:
            (left,) = _query(engine, "SELECT count(*) FROM cases WHERE classified_at IS NULL")[0]
            (pending,) = _query(engine, "SELECT count(*) FROM outbox WHERE status = 'pending' AND kind = 'escalation'")[
                0
            ]
            return left == 0 and pending == 0

        wait_for(settled, timeout=90, interval=0.5)
    finally:
        stop.set()
        for proc in [*servers, *workers]:
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        for proc in [*servers, *workers]:
            proc.wait(timeout=30)
        fake.stop()

    stored = {row[0] for row in _query(engine, "SELECT id FROM cases")}
    assert set(accepted) <= stored and len(accepted) >= 250
    classified = _query(
        engine,
        "SELECT c.id, count(e.id) FROM cases c LEFT JOIN timeline_events e "
        "ON e.case_id = c.id AND e.type = 'classified' GROUP BY c.id HAVING count(e.id) <> 1",
    )
    assert classified == []  # each case classified exactly once
    escalations = _query(engine, "SELECT status, count(*) FROM outbox WHERE kind = 'escalation' GROUP BY status")
    assert dict(escalations).keys() == {"posted"} and dict(escalations)["posted"] >= 10  # a tenth are urgent
    cards = [c for c in fake.ok_calls("chat.postMessage") if not c["args"].get("thread_ts")]
    (card_rows,) = _query(engine, "SELECT count(*) FROM slack_cards")[0]
    assert len(cards) == card_rows  # each card posted once, however many processes and retries
    engine.dispose()
