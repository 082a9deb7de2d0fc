"""Slack latency and floods against one `rrbot serve` process and a fake Slack Web API.

    .venv/bin/python bench/bench_slack.py            # appends to bench/RESULTS_slack.md

1. Latency: 12 distinct urgent complaints, one every 2 s, while ordinary mentions arrive at 50 per second.
   Latency = from just before POST /v1/mentions to the card's chat.postMessage arriving at the fake Slack
   server (both clocks are this process's monotonic clock). Target: p99 under 1 s.
2. Flood: 200 near-identical urgent complaints in 10 s. Counts the cards posted for them (target: a few) and
   checks that all 200 cases are in the queue, classified and on a card.
3. Latency amid a flood: 8 more urgent complaints, one every 2 s, at 50 ordinary mentions per second, while a
   second flood of 200 arrives and its theme card is refreshed (chat.update) and threaded over and over.

The server runs as a child process (SLACK_BOT_TOKEN, SLACK_SIGNING_SECRET, RRBOT_SLACK_API_URL pointing at
the fake) on a fresh SQLite database (or --db postgres).
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import numpy as np
import sqlalchemy as sa

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.slack.fake_slack import FakeSlack  # noqa: E402

PG_URL = os.environ.get("RRBOT_BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/slackdev")
URGENT = [
    "@acme the phone charger I bought caught fire on my desk tonight, my kids could have been hurt",
    "@acme your store manager in Leeds screamed at my elderly mother and made her cry, disgusting",
    "@acme I was charged three times for one order and the bank says you took 900 pounds, I want it back now",
    "@acme my son cut his hand badly on the broken blade of your food processor, we were in A&E all night",
    "@acme the heater sparked and the plug melted, the whole room smelled of burning plastic",
    "@acme the assistant at the Camden till refused to serve me and called me stupid in front of everyone",
    "@acme still no refund after six weeks and nobody answers the phone, I'm going to my lawyer",
    "@acme the ladder collapsed under me and I fell and injured my back, this product is dangerous",
    "@acme I had an allergic reaction because the label did not list nuts, I ended up in hospital",
    "@acme security guard at your Oxford street shop grabbed my arm and accused me of stealing, humiliating",
    "@acme you billed my card for a cancelled order and then overdrew my account, fees everywhere",
    "@acme the hair dryer you sold me caught fire in my hand and burned my fingers, I'm calling my lawyer",
    "@acme a salesman followed me around for half an hour pushing a warranty and would not leave me alone",
    "@acme the e-bike battery exploded in my hallway, the fire brigade had to come, totally unacceptable",
    "@acme promo code ignored, overcharged at checkout, and support hung up on me twice, appalling",
    "@acme the kettle base shorted and gave my wife an electric shock, this needs a recall",
    "@acme staff laughed at my disabled brother when he asked for help, I am furious and reporting this",
    "@acme you took payment twice for the sofa and now claim there is no record, I will sue",
    "@acme the pressure cooker lid blew off and scalded my arm badly, dangerous product, going to the press",
    "@acme your cashier shouted abuse at me over a coupon, I have it on video and I'm posting it",
]
ORDINARY = [
    "does your Manchester store open late on Thursdays?",
    "just picked up my order, thanks @acme",
    "anyone know if @acme sells garden furniture?",
    "Shoutout to the team at @acme Camden, Jess helped me find the perfect gift!",
    "what time does the @acme sale start tomorrow",
]
FLOOD = "@acme your website says my card was charged but the order vanished, outage again?? charged twice {}"


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def mention(text: str, ext: str, followers: int = 200, verified: bool = False) -> dict:
    created = (datetime.now(UTC) - timedelta(seconds=5)).isoformat()
    return {
        "source": "x",
        "external_id": ext,
        "text": text,
        "created_at": created,
        "author": {"handle": f"user_{ext}", "name": f"User {ext}", "followers": followers, "verified": verified},
    }


def card_times(fake: FakeSlack) -> dict[str, float]:
    """case ref (RR-xxxxxxxx) -> when its card's chat.postMessage arrived."""
    out: dict[str, float] = {}
    for call in fake.ok_calls("chat.postMessage"):
        args = call["args"]
        if args.get("thread_ts"):
            continue
        for block in args.get("blocks") or []:
            if block.get("block_id") == "status":
                ref = block["elements"][0]["text"].split(" ", 1)[0]
                out.setdefault(ref, call["at"])
    return out


def start_server(db_url: str, fake: FakeSlack, port: int, workdir: Path) -> subprocess.Popen:
    env = {
        **os.environ,
        "RRBOT_DATABASE_URL": db_url,
        "SLACK_BOT_TOKEN": "fake-bot-token-for-the-bench",  # the fake Slack server accepts any token
        "SLACK_SIGNING_SECRET": "bench-signing-secret",
        "RRBOT_SLACK_API_URL": fake.url,
        "RRBOT_ESCALATION_CHANNEL": "C0FALLBACK",
        "RRBOT_LOG_LEVEL": "WARNING",
        "RRBOT_PLAYBOOKS_DIR": str(ROOT / "playbooks"),
    }
    log = open(workdir / "server.log", "w")  # noqa: SIM115 (the child process keeps writing to it)
    rrbot = str(Path(sys.executable).parent / "rrbot")
    proc = subprocess.Popen([rrbot, "serve", "--port", str(port)], cwd=workdir, env=env, stdout=log, stderr=log)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=2).status_code == 200:
                return proc
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    proc.kill()
    raise SystemExit("server did not become ready; see " + str(workdir / "server.log"))


def token(db_url: str, workdir: Path) -> str:
    rrbot = str(Path(sys.executable).parent / "rrbot")
    env = {**os.environ, "RRBOT_DATABASE_URL": db_url}
    out = subprocess.run(
        [rrbot, "token", "create", "--name", "bench", "--scope", "admin"],
        cwd=workdir,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return out.strip().splitlines()[-1]


def ordinary_flow(base: str, headers: dict, rate: float, stop: threading.Event, sent: list[int]) -> None:
    counter = itertools.count()
    with httpx.Client(base_url=base, headers=headers, timeout=10) as client, ThreadPoolExecutor(8) as pool:
        start = time.monotonic()
        while not stop.is_set():
            n = next(counter)
            delay = start + n / rate - time.monotonic()
            if delay > 0:
                time.sleep(delay)
            body = mention(ORDINARY[n % len(ORDINARY)], f"ord-{n}")
            pool.submit(client.post, "/v1/mentions", json=body)
            sent[0] = n + 1


def latency_phase(base: str, headers: dict, fake: FakeSlack, texts: list[str], tag: str) -> dict:
    stop, sent = threading.Event(), [0]
    flow = threading.Thread(target=ordinary_flow, args=(base, headers, 50.0, stop, sent), daemon=True)
    flow.start()
    time.sleep(2)
    started: dict[str, float] = {}
    ids: list[str] = []
    with httpx.Client(base_url=base, headers=headers, timeout=10) as client:
        for i, text in enumerate(texts):
            t0 = time.monotonic()
            resp = client.post("/v1/mentions", json=mention(text, f"{tag}-{i}", followers=60000, verified=True))
            ids.append(resp.json()["case_id"])
            started[f"RR-{ids[-1][:8].upper()}"] = t0
            time.sleep(max(0.0, t0 + 2.0 - time.monotonic()))
        time.sleep(3)
        stop.set()
        flow.join()
        states = [client.get(f"/v1/cases/{i}").json() for i in ids]
    not_escalated = [
        (c["text"][:60], c["classification"]["urgency"]["level"], c["classification"]["category"]["name"])
        for c in states
        if c["escalation"]["status"] == "none"
    ]
    cards = card_times(fake)
    latencies = sorted(cards[ref] - t0 for ref, t0 in started.items() if ref in cards)
    return {
        "urgent": len(texts),
        "carded": len(latencies),
        "ordinary_sent": sent[0],
        "not_escalated_by_playbook": not_escalated,
        "p50_s": round(statistics.median(latencies), 3) if latencies else None,
        "p99_s": round(float(np.percentile(latencies, 99)), 3) if latencies else None,
        "max_s": round(max(latencies), 3) if latencies else None,
    }


def flood_phase(base: str, headers: dict, fake: FakeSlack, tag: str = "flood") -> dict:
    before = set(card_times(fake))
    ids: list[str] = []
    with httpx.Client(base_url=base, headers=headers, timeout=10) as client:
        start = time.monotonic()
        for i in range(200):
            time.sleep(max(0.0, start + i * 0.05 - time.monotonic()))
            body = mention(FLOOD.format(f"{tag}{i}"), f"{tag}-{i}", followers=30000, verified=True)
            ids.append(client.post("/v1/mentions", json=body).json()["case_id"])
        sent_in = time.monotonic() - start
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            cases = [client.get(f"/v1/cases/{i}").json() for i in ids]
            if all(c["classification"] for c in cases) and all(
                c["escalation"]["status"] in ("posted", "none", "failed") for c in cases
            ):
                break
            time.sleep(1)
    escalated = [c for c in cases if c["escalation"]["status"] != "none"]
    refs = {f"RR-{i[:8].upper()}" for i in ids}
    cards = [r for r in card_times(fake) if r not in before and r in refs]
    return {
        "sent": len(ids),
        "sent_in_s": round(sent_in, 1),
        "in_queue": len(cases),
        "classified": sum(1 for c in cases if c["classification"]),
        "escalated": len(escalated),
        "posted": sum(1 for c in escalated if c["escalation"]["status"] == "posted"),
        "cards": len(cards),
        "distinct_card_ts": len({c["escalation"]["ts"] for c in escalated}),
        "chat_update_calls": len(fake.ok_calls("chat.update")),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--results", default=str(ROOT / "bench" / "RESULTS_slack.md"))
    args = parser.parse_args()
    fake = FakeSlack().start()
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        db_url = f"sqlite:///{workdir / 'bench.db'}"
        if args.db == "postgres":
            db_url = PG_URL
            engine = sa.create_engine(db_url)
            with engine.begin() as conn:
                conn.exec_driver_sql("DROP SCHEMA IF EXISTS public CASCADE")
                conn.exec_driver_sql("CREATE SCHEMA public")
            engine.dispose()
        port = free_port()
        proc = start_server(db_url, fake, port, workdir)
        try:
            headers = {"Authorization": f"Bearer {token(db_url, workdir)}"}
            base = f"http://127.0.0.1:{port}"
            latency = latency_phase(base, headers, fake, URGENT[:12], "urgent")
            print("latency:", json.dumps(latency), flush=True)
            flood = flood_phase(base, headers, fake)
            print("flood:", json.dumps(flood), flush=True)
            # 3. urgent cards while a second flood's theme card is refreshed over and over in another channel
            amid: dict = {}
            background = threading.Thread(target=lambda: amid.update(flood_phase(base, headers, fake, "flood2")))
            background.start()
            time.sleep(1)
            mixed = latency_phase(base, headers, fake, URGENT[12:], "amid")
            background.join()
            mixed["chat_update_calls_total"] = amid.get("chat_update_calls")
            print("urgent amid flood:", json.dumps(mixed), flush=True)
        finally:
            proc.terminate()
            proc.wait(timeout=30)
            fake.stop()
    stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    machine = f"{platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}"
    with open(args.results, "a", encoding="utf-8") as fh:
        fh.write(
            f"\n## {stamp} ({args.db}; {machine})\n\n`.venv/bin/python bench/bench_slack.py --db {args.db}`\n\n"
            "| urgent -> chat.postMessage | p50 | p99 | max | carded | ordinary sent at 50/s |\n"
            "|---|---|---|---|---|---|\n"
            f"| {latency['urgent']} urgent, one per 2 s | {latency['p50_s']} s | {latency['p99_s']} s | "
            f"{latency['max_s']} s | {latency['carded']}/{latency['urgent']} | {latency['ordinary_sent']} |\n"
            f"| {mixed['urgent']} urgent, one per 2 s, amid a 200-post flood's card refreshes | {mixed['p50_s']} s | "
            f"{mixed['p99_s']} s | {mixed['max_s']} s | {mixed['carded']}/{mixed['urgent']} | "
            f"{mixed['ordinary_sent']} |\n\n"
            f"Not escalated by the playbook (so no card): {latency['not_escalated_by_playbook']}\n\n"
            f"| flood: 200 near-identical in {flood['sent_in_s']} s | in queue | classified | escalated | posted | "
            f"cards | chat.update calls |\n|---|---|---|---|---|---|---|\n"
            f"| | {flood['in_queue']} | {flood['classified']} | {flood['escalated']} | {flood['posted']} | "
            f"{flood['cards']} | {flood['chat_update_calls']} |\n"
        )


if __name__ == "__main__":
    main()
