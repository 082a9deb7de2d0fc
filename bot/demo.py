"""`rrbot demo`: send example mentions and tickets into a running service and show the queue fill."""

from __future__ import annotations

import sys
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx

from bot.demo_data import MENTIONS, TICKETS


def run(*, base_url: str, token: str | None, token_file: Path) -> int:
    if token is None:
        if not token_file.exists():
            print(f"error: no --token given and {token_file} does not exist (make run creates it)", file=sys.stderr)
            return 2
        token = token_file.read_text().strip()
    run_id = uuid.uuid4().hex[:8]
    now = datetime.now(UTC)
    headers = {"Authorization": f"Bearer {token}"}
    sent = 0
    with httpx.Client(base_url=base_url, headers=headers, timeout=10) as client:
        for i, (handle, text, followers, verified) in enumerate(MENTIONS):
            body = {
                "source": "x",
                "external_id": f"demo-{run_id}-m{i}",
                "text": text,
                "created_at": (now - timedelta(minutes=len(MENTIONS) - i)).isoformat(),
                "author": {"handle": handle, "followers": followers, "verified": verified},
                "url": f"https://x.com/{handle}/status/{run_id}{i}",
            }
            sent += _post(client, "/v1/mentions", body)
        for i, (email, tier, subject, text) in enumerate(TICKETS):
            body = {
                "source": "zendesk",
                "external_id": f"demo-{run_id}-t{i}",
                "body": text,
                "subject": subject,
                "created_at": (now - timedelta(minutes=len(TICKETS) - i)).isoformat(),
                "requester": {"email": email, "tier": tier},
            }
            sent += _post(client, "/v1/tickets", body)
        print(f"sent {sent} cases; waiting for the model...", file=sys.stderr)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            items = client.get("/v1/cases", params={"limit": 500}).json()["items"]
            pending = [c for c in items if c["classification"] is None]
            if not pending:
                break
            time.sleep(0.5)
        items = client.get("/v1/cases", params={"limit": 10, "status": "new"}).json()["items"]
    print("top of the queue:")
    for case in items:
        cls = case["classification"] or {}
        level = cls.get("urgency", {}).get("level", "pending")
        category = (cls.get("category") or {}).get("name") or "-"
        print(f"  {level:8} {category:15} {case['text'][:70]}")
    print(f"open {base_url}/ to see the whole queue")
    return 0


def _post(client: httpx.Client, path: str, body: dict[str, Any]) -> int:
    response = client.post(path, json=body)
    if response.status_code not in (200, 202):
        print(f"error {response.status_code} from {path}: {response.text}", file=sys.stderr)
        return 0
    return 1
