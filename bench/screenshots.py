"""Screenshots of every page, for a reviewer: a real `rrbot serve` on a fresh SQLite database, the demo's mentions
and tickets, a few actions, then Debian's Chromium (driven by Playwright) on the queue, a case, the dashboard and
the admin page.

    python bench/screenshots.py [--out docs/screenshots]

Needs the `test` extra (playwright) and `apt-get install chromium`; nothing is downloaded.
"""

from __future__ import annotations

import argparse
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent


def _rrbot(env: dict[str, str], *args: str) -> str:
    return subprocess.run(
        [sys.executable, "-m", "bot.cli", *args], env=env, cwd=ROOT, check=True, capture_output=True, text=True
    ).stdout


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    args = parser.parse_args()
    chromium = shutil.which("chromium")
    if not chromium:
        print("error: Debian's chromium is not installed (apt-get install chromium)", file=sys.stderr)
        return 2
    from playwright.sync_api import sync_playwright

    args.out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        env = {**os.environ, "RRBOT_DATABASE_URL": f"sqlite:///{tmp}/rrbot.db"}
        _rrbot(env, "migrate")
        token = _rrbot(env, "token", "create", "--name", "reviewer", "--scope", "admin").strip().splitlines()[-1]
        port = _free_port()
        url = f"http://127.0.0.1:{port}"
        server = subprocess.Popen(
            [sys.executable, "-m", "bot.cli", "serve", "--port", str(port)], env=env, cwd=ROOT
        )
        try:
            for _ in range(300):
                try:
                    if httpx.get(url + "/readyz").status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                time.sleep(0.2)
            _rrbot(env, "demo", "--url", url, "--token", token)
            headers = {"Authorization": f"Bearer {token}"}
            time.sleep(2)
            cases = httpx.get(url + "/v1/cases", headers=headers).json()["items"]
            for case in cases[1:4]:
                httpx.post(f"{url}/v1/cases/{case['id']}/ack", headers=headers)
            with sync_playwright() as p:
                browser = p.chromium.launch(executable_path=chromium, args=["--no-sandbox"])
                page = browser.new_page(viewport={"width": 1440, "height": 1000})
                page.goto(url + "/login")
                page.fill("input[name=token]", token)
                page.click("button[type=submit]")
                page.wait_for_load_state()
                shots = {"queue": "/", "case": f"/cases/{cases[0]['id']}", "dashboard": "/dashboard", "admin": "/admin"}
                for name, path in shots.items():
                    page.goto(url + path)
                    page.screenshot(path=str(args.out / f"{name}.png"), full_page=True)
                    print(f"{name}: {args.out / (name + '.png')}")
                browser.close()
        finally:
            server.terminate()
            server.wait(20)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
