"""Escalation measured the way a new user meets it: every text of ``evalsets/escalation.jsonl`` sent through
``POST /v1/mentions`` (social posts, each from its own author with 1,500 followers) or ``POST /v1/tickets``
(long-form tickets) to a real ``rrbot serve`` with the shipped playbooks, then read back with
``GET /v1/cases/{id}``: escalated means the case has an escalation (pending without Slack).

    python bench/bench_escalation.py [--data evalsets/escalation.jsonl] [--out bench/results/escalation.json]

Any JSON-lines file with ``text``, ``risks`` (empty for harmless) and optional ``kind`` ("social"/"ticket")
and ``id`` works, so a set of complaints written by others can be measured the same way.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from collections import defaultdict
from datetime import UTC, datetime
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))
from server import ROOT, serve  # noqa: E402

FOLLOWERS = 1_500


def body_for(i: int, row: dict, run: str) -> tuple[str, dict]:
    now = datetime.now(UTC).isoformat()
    if row.get("kind") == "ticket":
        return "/v1/tickets", {
            "source": "zendesk",
            "external_id": f"{run}-{i}",
            "body": row["text"],
            "created_at": now,
            "requester": {"email": f"customer{i}@example.com", "name": f"Customer {i}"},
        }
    return "/v1/mentions", {
        "source": "x",
        "external_id": f"{run}-{i}",
        "text": row["text"],
        "created_at": now,
        "author": {"handle": f"author_{run}_{i}", "followers": FOLLOWERS},
    }


def measure(url: str, token: str, rows: list[dict]) -> list[dict]:
    run = datetime.now(UTC).strftime("%H%M%S")
    headers = {"Authorization": f"Bearer {token}"}
    with httpx.Client(base_url=url, headers=headers, timeout=30) as client:
        ids = []
        for i, row in enumerate(rows):
            path, body = body_for(i, row, run)
            response = client.post(path, json=body)
            response.raise_for_status()
            ids.append(response.json()["case_id"])
        cases: dict[str, dict] = {}
        deadline = time.time() + 300
        while len(cases) < len(ids) and time.time() < deadline:
            for case_id in ids:
                if case_id not in cases:
                    case = client.get(f"/v1/cases/{case_id}").json()
                    if case["classification"] is not None:
                        cases[case_id] = case
            time.sleep(0.2)
    return [cases[i] for i in ids if i in cases]


def figures(rows: list[dict], cases: list[dict]) -> dict:
    escalated = [c["escalation"]["status"] != "none" for c in cases]
    serious = [bool(r.get("risks")) for r in rows]
    by_type: dict[str, list[bool]] = defaultdict(list)
    by_kind: dict[str, list[bool]] = defaultdict(list)
    for row, esc in zip(rows, escalated, strict=True):
        for risk in row.get("risks", []):
            by_type[risk].append(esc)
        by_kind[("serious " if row.get("risks") else "harmless ") + row.get("kind", "social")].append(esc)

    def rate(values: list[bool]) -> float:
        return round(sum(values) / len(values), 4) if values else float("nan")

    return {
        "n": len(cases),
        "recall": rate([e for e, s in zip(escalated, serious, strict=True) if s]),
        "false_alarm_rate": rate([e for e, s in zip(escalated, serious, strict=True) if not s]),
        "recall_by_type": {k: rate(v) for k, v in sorted(by_type.items())},
        "escalated_by_kind": {k: rate(v) for k, v in sorted(by_kind.items())},
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, default=ROOT / "evalsets" / "escalation.jsonl")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "escalation.json")
    args = parser.parse_args()
    rows = [json.loads(line) for line in args.data.read_text(encoding="utf-8").splitlines() if line.strip()]
    tmp = Path(tempfile.mkdtemp(prefix="rrbot-escalation-"))
    started = time.perf_counter()
    with serve(f"sqlite:///{tmp / 'bench.db'}", tmp, scopes=("ingest", "agent")) as server:
        cases = measure(server.url, server.token, rows)
    if len(cases) != len(rows):
        raise SystemExit(f"only {len(cases)} of {len(rows)} cases were classified")
    result = {"data": str(args.data), "seconds": round(time.perf_counter() - started, 1), **figures(rows, cases)}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
