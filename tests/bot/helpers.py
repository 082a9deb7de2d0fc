from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta
from typing import Any

_counter = itertools.count()


def mention(text: str = "the salesperson at your store was so pushy I walked out", **overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "source": "x",
        "external_id": f"t-{next(_counter)}",
        "text": text,
        "created_at": (datetime.now(UTC) - timedelta(minutes=5)).isoformat(),
        "author": {"handle": "customer", "followers": 100, "verified": False},
    }
    body.update(overrides)
    return body


def ticket(body: str = "I was charged twice for the same order", **overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "source": "zendesk",
        "external_id": f"z-{next(_counter)}",
        "body": body,
        "created_at": (datetime.now(UTC) - timedelta(minutes=5)).isoformat(),
        "requester": {"email": "a@example.com", "tier": "standard"},
        "subject": "Billing",
    }
    data.update(overrides)
    return data
