"""The pages in a real browser: Debian's Chromium driven by Playwright against a real uvicorn server.

Skipped where Chromium is not installed, except in CI (CI=true), where `.ci/run` installs it and a missing
browser fails the run."""

from __future__ import annotations

import csv
import io
import os
import shutil
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.bot.helpers import mention
from tests.conftest import ROOT, wait_for
from tests.live_server import LiveServer

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
if not CHROMIUM and os.environ.get("CI") != "true":
    pytest.skip("Debian's chromium is not installed (apt-get install chromium)", allow_module_level=True)

URGENT = "Your store's escalator collapsed and my son is in hospital with a broken leg. My lawyer will be in touch."


@pytest.fixture
def live(sqlite_template: Path, tmp_path: Path) -> Iterator[LiveServer]:
    """One server on SQLite: the pages' queries are tested on both databases in test_pages.py."""
    from bot.settings import Settings

    shutil.copyfile(sqlite_template, tmp_path / "rrbot.db")
    settings = Settings(
        _env_file=None,
        database_url=f"sqlite:///{tmp_path / 'rrbot.db'}",
        playbooks_dir=ROOT / "playbooks",
        worker_poll_seconds=0.05,
        slack_bot_token=None,
        slack_signing_secret=None,
        escalation_channel="C0FALLBACK",
    )
    with LiveServer(settings) as server:
        yield server


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-dev-shm-usage"])
        yield chromium
        chromium.close()


def _login(browser: Any, live: LiveServer, *scopes: str) -> Any:
    page = browser.new_page()
    page.goto(live.url + "/")
    assert "/login" in page.url
    page.fill("input[name=token]", live.token(*scopes)["Authorization"].split()[1])
    page.click("button[type=submit]")
    page.wait_for_load_state()
    return page


def test_agent_sees_an_urgent_mention_arrive_live_opens_it_and_acknowledges(browser, live):
    ingest = live.token("ingest", "agent")
    with httpx.Client(base_url=live.url, headers=ingest) as api:
        api.post("/v1/mentions", json=mention("where is my order? it is a week late"))
        page = _login(browser, live, "agent")
        assert page.locator("h1").inner_text() == "Triaged queue"
        page.evaluate("window.__sameDocument = true")
        time.sleep(1.0)  # the page's event stream is open
        case_id = api.post("/v1/mentions", json=mention(URGENT, author={"handle": "parent", "followers": 900})).json()[
            "case_id"
        ]
        started = time.monotonic()
        first = page.locator("#rows tr[data-id]").first
        page.wait_for_selector(f"#rows tr[data-id='{case_id}']", timeout=2000)
        assert time.monotonic() - started < 2.0
        assert first.get_attribute("data-id") == case_id and first.get_attribute("data-level") == "critical"
        assert "fresh" in (first.get_attribute("class") or "")
        assert page.evaluate("window.__sameDocument") is True  # no reload: the rows came live

        page.keyboard.press("j")  # keyboard: select the top row and open it
        page.keyboard.press("Enter")
        page.wait_for_url(f"**/cases/{case_id}")
        assert "escalator collapsed" in page.locator("#case-text").inner_text()
        assert page.locator("text=injury").count() >= 1
        page.click("button[value=ack]")
        page.wait_for_url("**done=ack")
        assert page.locator(".flash").inner_text() == "Acknowledged."

        case = api.get(f"/v1/cases/{case_id}").json()
        acked = [e for e in case["timeline"] if e["type"] == "acked"]
        assert case["status"] == "acked" and [e["actor"] for e in acked] == ["web:test-agent"]
        page.close()


def test_manager_sees_the_dashboard_and_exports_csv_and_an_agent_may_not(browser, live):
    headers = live.token("ingest", "agent")
    with httpx.Client(base_url=live.url, headers=headers) as api:
        case_id = api.post("/v1/mentions", json=mention(URGENT)).json()["case_id"]
        wait_for(lambda: api.get(f"/v1/cases/{case_id}").json()["classification"])
        api.post(f"/v1/cases/{case_id}/ack")
    agent = _login(browser, live, "agent")
    assert agent.goto(live.url + "/dashboard").status == 403
    agent.close()

    manager = _login(browser, live, "manager")
    answer = manager.goto(live.url + "/dashboard")
    assert answer.status == 200 and "Dashboard" in manager.title()
    assert manager.locator("svg title").count() >= 1  # charts drawn by the server, no CDN
    with manager.expect_download() as download:
        manager.click("a[href*='rows=cases']")
    assert download.value.suggested_filename.endswith(".csv")
    rows = list(csv.DictReader(io.StringIO(Path(download.value.path()).read_text(encoding="utf-8"))))
    (row,) = [r for r in rows if r["case_id"] == case_id]
    assert float(row["time_to_ack"]) >= 300  # the mention was posted 5 minutes before it arrived
    manager.close()
