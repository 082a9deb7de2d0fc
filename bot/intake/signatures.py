"""Verifying inbound webhooks: every request proves where it came from, within a replay window.

All comparisons are constant-time; a failure says which check failed, never what was expected.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta

from bot.errors import Unauthorized


def _fresh(sent_at: datetime, now: datetime, tolerance: timedelta) -> None:
    if abs(now - sent_at) > tolerance:
        raise Unauthorized("stale or future timestamp: outside the replay window")


def zendesk(headers: Mapping[str, str], raw: bytes, *, secret: str, now: datetime, tolerance: timedelta) -> None:
    """X-Zendesk-Webhook-Signature = base64(HMAC-SHA256(secret, X-Zendesk-Webhook-Signature-Timestamp + body))."""
    signature = headers.get("x-zendesk-webhook-signature")
    stamp = headers.get("x-zendesk-webhook-signature-timestamp")
    if not signature or not stamp:
        raise Unauthorized("missing Zendesk signature headers")
    try:
        sent_at = datetime.fromisoformat(stamp.replace("Z", "+00:00"))
    except ValueError:
        raise Unauthorized("unreadable Zendesk signature timestamp") from None
    if sent_at.tzinfo is None:
        raise Unauthorized("Zendesk signature timestamp has no offset")
    expected = base64.b64encode(hmac.new(secret.encode(), stamp.encode() + raw, hashlib.sha256).digest()).decode()
    if not hmac.compare_digest(expected, signature):
        raise Unauthorized("bad Zendesk signature")
    _fresh(sent_at, now, tolerance)


def shared_secret(given: str | None, *, secret: str) -> None:
    """For senders that cannot sign (Freshdesk): a long random secret in a header, over HTTPS."""
    if not given or not hmac.compare_digest(given.encode(), secret.encode()):
        raise Unauthorized("bad or missing X-RRBot-Secret")


def generic(header: str | None, raw: bytes, *, secrets: Iterable[str], now: datetime, tolerance: timedelta) -> None:
    """RRBot-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>; any current secret (two during
    a rotation) and any v1 in the header may match."""
    if not header:
        raise Unauthorized("missing RRBot-Signature")
    parts = [p.strip().partition("=") for p in header.split(",")]
    stamps = [v for k, _, v in parts if k == "t"]
    signatures = [v for k, _, v in parts if k == "v1"]
    if len(stamps) != 1 or not stamps[0].isdigit() or not signatures:
        raise Unauthorized("malformed RRBot-Signature: expected t=<unix>,v1=<hex>")
    payload = stamps[0].encode() + b"." + raw
    expected = [hmac.new(s.encode(), payload, hashlib.sha256).hexdigest() for s in secrets if s]
    if not any(hmac.compare_digest(e, sig) for e in expected for sig in signatures):
        raise Unauthorized("bad RRBot-Signature")
    _fresh(datetime.fromtimestamp(int(stamps[0]), now.tzinfo), now, tolerance)
