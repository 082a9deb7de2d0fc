"""Sustained ingest over HTTP into one `rrbot serve` process, and the time from 202 to "classified".

    python bench/bench_ingest.py --db sqlite --rate 300 --seconds 60
    python bench/bench_ingest.py --db postgres --rate 300 --seconds 60
    python bench/bench_ingest.py --db postgres --rate 300 --seconds 60 --workers 2   # API-only serve + 2 workers

Starts the server as a child process on a fresh database, sends mentions (real customer tweets from
../shared/data/support/twcs_head5000.csv, each with a unique id) at a fixed rate with an open-loop
asyncio client, then reads the timeline from the database: latency = classified.at - received_at.
Peak resident memory is the server's VmHWM from /proc. Prints one markdown row and writes JSON.
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import json
import os
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import aiohttp
import numpy as np
import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parent))
from server import ROOT, serve  # noqa: E402

DATA = ROOT.parent / "shared" / "data" / "support" / "twcs_head5000.csv"
PG_URL = os.environ.get("RRBOT_BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


def texts() -> list[str]:
    with open(DATA, newline="", encoding="utf-8") as fh:
        rows = [r["text"] for r in csv.DictReader(fh) if r["inbound"] == "True" and r["text"].strip()]
    return rows


def peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def reset_postgres(url: str) -> None:
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        conn.exec_driver_sql("DROP SCHEMA IF EXISTS public CASCADE")
        conn.exec_driver_sql("CREATE SCHEMA public")
    engine.dispose()


async def load(port: int, token: str, rate: float, seconds: float, corpus: list[str]) -> dict:
    url = f"http://127.0.0.1:{port}/v1/mentions"
    headers = {"Authorization": f"Bearer {token}"}
    statuses: dict[int, int] = {}
    latencies: list[float] = []
    run = datetime.now(UTC).strftime("%H%M%S")
    connector = aiohttp.TCPConnector(limit=128)
    async with aiohttp.ClientSession(connector=connector) as session:
        sem = asyncio.Semaphore(256)

        async def one(i: int) -> None:
            body = {
                "source": "x",
                "external_id": f"bench-{run}-{i}",
                "text": corpus[i % len(corpus)],
                "created_at": datetime.now(UTC).isoformat(),
                "author": {"handle": f"user{i % 977}", "followers": (i * 37) % 50000},
            }
            async with sem:
                t0 = time.perf_counter()
                try:
                    async with session.post(url, json=body, headers=headers) as resp:
                        await resp.read()
                        statuses[resp.status] = statuses.get(resp.status, 0) + 1
                except aiohttp.ClientError:
                    statuses[-1] = statuses.get(-1, 0) + 1
                latencies.append(time.perf_counter() - t0)

        tasks = []
        start = time.perf_counter()
        total = int(rate * seconds)
        for i in range(total):
            delay = start + i / rate - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            tasks.append(asyncio.create_task(one(i)))
        send_seconds = time.perf_counter() - start
        await asyncio.gather(*tasks)
        elapsed = time.perf_counter() - start
    return {
        "sent": total,
        "statuses": statuses,
        "send_seconds": round(send_seconds, 2),
        "elapsed": round(elapsed, 2),
        "achieved_rate": round(statuses.get(202, 0) / elapsed, 1),
        "http_p50_ms": round(1000 * statistics.median(latencies), 1),
        "http_p99_ms": round(1000 * float(np.percentile(latencies, 99)), 1),
    }


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--rate", type=float, default=300)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results")
    parser.add_argument("--workers", type=int, default=0, help="rrbot worker processes beside an API-only serve")
    args = parser.parse_args()
    if args.workers and args.db != "postgres":
        parser.error("--workers needs --db postgres (SQLite runs one process)")

    tmp = Path(tempfile.mkdtemp(prefix="rrbot-bench-"))
    if args.db == "sqlite":
        url = f"sqlite:///{tmp / 'bench.db'}"
    else:
        url = PG_URL
        reset_postgres(url)
    with serve(url, tmp, workers=args.workers) as server:
        port, token = server.port, server.token
        result = asyncio.run(load(port, token, args.rate, args.seconds, texts()))
        engine = sa.create_engine(url)
        deadline = time.time() + 120
        while time.time() < deadline:
            with engine.connect() as conn:
                left = conn.execute(sa.text("SELECT count(*) FROM cases WHERE classified_at IS NULL")).scalar()
            if left == 0:
                break
            time.sleep(0.5)
        result["peak_rss_mb"] = round(peak_rss_mb(server.process.pid), 1)
        with engine.connect() as conn:
            rows = conn.execute(
                sa.text(
                    "SELECT c.received_at, e.at FROM cases c JOIN timeline_events e ON e.case_id = c.id "
                    "AND e.type = 'classified'"
                )
            ).all()
            result["cases"] = conn.execute(sa.text("SELECT count(*) FROM cases")).scalar()
        engine.dispose()

        def ts(v):
            return (datetime.fromisoformat(v) if isinstance(v, str) else v).replace(tzinfo=None)

        lat = [(ts(b) - ts(a)).total_seconds() for a, b in rows]
        result["classified"] = len(lat)
        result["to_classified_p50_ms"] = round(1000 * float(np.percentile(lat, 50)), 1)
        result["to_classified_p99_ms"] = round(1000 * float(np.percentile(lat, 99)), 1)
    errors = sum(v for k, v in result["statuses"].items() if k != 202)
    result.update(
        db=args.db, rate=args.rate, seconds=args.seconds, errors=errors, cores=os.cpu_count(), workers=args.workers
    )
    args.out.mkdir(parents=True, exist_ok=True)
    suffix = f"_{args.workers}workers" if args.workers else ""
    (args.out / f"ingest_{args.db}{suffix}.json").write_text(json.dumps(result, indent=2))
    print(json.dumps(result, indent=2))
    print(
        f"| {args.db}{' + %d workers' % args.workers if args.workers else ''} | "
        f"{args.rate:.0f}/s x {args.seconds:.0f}s | {result['achieved_rate']}/s | {errors} | "
        f"{result['http_p99_ms']} ms | {result['to_classified_p50_ms']} ms | {result['to_classified_p99_ms']} ms | "
        f"{result['peak_rss_mb']} MB |"
    )
    return 0 if errors == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
