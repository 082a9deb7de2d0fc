"""A real `rrbot serve` child process on a fresh database, for the benchmarks that go through HTTP."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass(frozen=True)
class Server:
    process: subprocess.Popen[bytes]
    port: int
    token: str

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"


@contextmanager
def serve(
    database_url: str, workdir: Path, scopes: Sequence[str] = ("ingest",), ready_s: float = 120, workers: int = 0
) -> Iterator[Server]:
    """Create a token, start the server, wait for /readyz; SIGTERM it on the way out. With `workers`, the
    server runs the API only (`--no-workers`) and that many `rrbot worker` processes do the rest."""
    env = {
        **os.environ,
        "RRBOT_DATABASE_URL": database_url,
        "RRBOT_PLAYBOOKS_DIR": str(ROOT / "playbooks"),
        "RRBOT_LOG_LEVEL": "WARNING",
    }
    rrbot = [sys.executable, "-m", "bot.cli"]
    scope_args = [a for s in scopes for a in ("--scope", s)]
    created = subprocess.run(
        [*rrbot, "token", "create", "--name", "bench", *scope_args],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    token = created.stdout.strip().splitlines()[-1]
    port = free_port()
    api_only = ["--no-workers"] if workers else []
    with open(workdir / "serve.log", "wb") as log:
        process = subprocess.Popen(
            [*rrbot, "serve", "--port", str(port), *api_only], env=env, cwd=ROOT, stdout=log, stderr=log
        )
    helpers = []
    for i in range(workers):
        with open(workdir / f"worker{i}.log", "wb") as log:
            helpers.append(subprocess.Popen([*rrbot, "worker"], env=env, cwd=ROOT, stdout=log, stderr=log))
    try:
        deadline = time.time() + ready_s
        while True:
            try:
                if urllib.request.urlopen(f"http://127.0.0.1:{port}/readyz", timeout=1).status == 200:
                    break
            except OSError:
                pass
            if time.time() > deadline:
                raise SystemExit("server did not become ready")
            time.sleep(0.3)
        yield Server(process, port, token)
    finally:
        for proc in [process, *helpers]:
            proc.send_signal(signal.SIGTERM)
        for proc in [process, *helpers]:
            proc.wait(timeout=30)
