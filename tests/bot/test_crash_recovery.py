"""kill -9 the server mid-stream: every case answered 202 is there after a restart and classified once."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
from pathlib import Path

import httpx
import pytest
import sqlalchemy as sa

from tests.bot.helpers import mention
from tests.conftest import ROOT, cli_token, wait_for


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _start(env: dict[str, str], port: int, log: Path) -> subprocess.Popen:
    out = open(log, "ab")  # noqa: SIM115 - the child owns it
    proc = subprocess.Popen(
        [sys.executable, "-m", "bot.cli", "serve", "--port", str(port)], cwd=ROOT, env=env, stdout=out, stderr=out
    )
    wait_for(lambda: _ready(port), timeout=60, interval=0.2)
    return proc


def _ready(port: int) -> bool:
    try:
        return httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=1).status_code == 200
    except httpx.HTTPError:
        return False


@pytest.mark.extended  # real processes, about 30 s: make test-extended, run by CI after the suite
def test_kill_9_mid_stream_loses_nothing_and_classifies_once(database_url, tmp_path):
    env = {
        **os.environ,
        "RRBOT_DATABASE_URL": database_url,
        "RRBOT_PLAYBOOKS_DIR": str(ROOT / "playbooks"),
        "RRBOT_LOG_LEVEL": "WARNING",
    }
    token = cli_token(env, "crash", "ingest")
    port = _free_port()
    proc = _start(env, port, tmp_path / "serve.log")
    accepted: list[str] = []
    stop = threading.Event()

    def send() -> None:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", headers={"Authorization": f"Bearer {token}"}) as c:
            while not stop.is_set():
                try:
                    r = c.post("/v1/mentions", json=mention("my order is late again, where is it?"), timeout=2)
                except httpx.HTTPError:
                    return
                if r.status_code == 202:
                    accepted.append(r.json()["case_id"])

    senders = [threading.Thread(target=send, daemon=True) for _ in range(4)]
    try:
        for t in senders:
            t.start()
        wait_for(lambda: len(accepted) >= 100, timeout=60, interval=0.01)
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        stop.set()
        for t in senders:
            t.join()

    engine = sa.create_engine(database_url)
    with engine.connect() as conn:
        stored = set(conn.execute(sa.text("SELECT id FROM cases")).scalars())
        unclassified = conn.execute(sa.text("SELECT count(*) FROM cases WHERE classified_at IS NULL")).scalar()
    assert set(accepted) <= stored

    proc = _start(env, port, tmp_path / "serve.log")
    try:

        def all_classified() -> bool:
            with engine.connect() as conn:
                return conn.execute(sa.text("SELECT count(*) FROM cases WHERE classified_at IS NULL")).scalar() == 0

        wait_for(all_classified, timeout=60, interval=0.2)
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=30)
    with engine.connect() as conn:
        counts = conn.execute(
            sa.text(
                "SELECT c.id, count(e.id) FROM cases c LEFT JOIN timeline_events e "
                "ON e.case_id = c.id AND e.type = 'classified' GROUP BY c.id"
            )
        ).all()
    engine.dispose()
    assert len(counts) == len(stored)
    assert all(n == 1 for _, n in counts), [c for c in counts if c[1] != 1][:5]
    print(f"accepted {len(accepted)}, stored {len(stored)}, unclassified at the kill {unclassified}")
