"""Replies posted to a support desk's REST API with httpx (Zendesk, Freshdesk): one comment per reply, exactly once.

A desk comment endpoint is not idempotent, so after an ambiguous failure (a timeout or a 5xx may still have
added it) the ticket's comments are read first and an identical one counts as delivered.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import httpx

from bot.enums import DeliveryCode
from bot.models import Outbox
from bot.outbox.errors import DeliveryFailed, RetryLater

TIMEOUT_SECONDS = 10.0


def raise_for(response: httpx.Response, desk: str) -> None:
    """Map a desk's answer onto the outbox's retry rules."""
    status = response.status_code
    if status < 400:
        return
    if status == 429:
        after = response.headers.get("Retry-After", "")
        raise RetryLater(
            f"{desk} rate limit (429)", float(after) if after.isdigit() else None, code=DeliveryCode.RATE_LIMITED
        )
    if status >= 500:
        raise RetryLater(f"{desk} error {status}")
    if status == 404:
        raise DeliveryFailed(f"{desk} ticket not found (404)", code=DeliveryCode.GONE)
    raise DeliveryFailed(f"{desk} refused the reply ({status})")


class HelpdeskReplier:
    """`post(ticket_id, text)` adds the comment; `comments(ticket_id)` lists the texts already on the ticket."""

    def __init__(
        self,
        desk: str,
        *,
        post: Callable[[str, str], httpx.Response],
        comments: Callable[[str], Iterable[tuple[str, str]]],
        link: Callable[[str], str],
    ) -> None:
        self.desk, self._post, self._comments, self._link = desk, post, comments, link

    def post_reply(self, row: Outbox) -> dict[str, Any]:
        ticket, text = (
            str(row.payload.get("thread_id") or row.payload.get("external_id") or ""),
            str(row.payload["text"]),
        )
        if not ticket:
            raise DeliveryFailed("no ticket id to reply to", code=DeliveryCode.MISCONFIGURED)
        try:
            if row.attempts > 0:
                for comment_id, body in self._comments(ticket):
                    if body.strip() == text.strip():
                        return {
                            "id": comment_id,
                            "ticket": ticket,
                            "url": self._link(ticket),
                            "found_after_ambiguous_failure": True,
                        }
            response = self._post(ticket, text)
        except httpx.HTTPError as exc:
            raise RetryLater(f"{self.desk} unreachable ({type(exc).__name__})") from exc
        raise_for(response, self.desk)
        return {"id": str(_comment_id(response.json())), "ticket": ticket, "url": self._link(ticket)}


def _comment_id(body: Any) -> Any:
    if isinstance(body, dict):
        ticket = body.get("ticket") or {}
        audit = body.get("audit") or {}
        return body.get("id") or audit.get("id") or ticket.get("id") or ""
    return ""


def client(base_url: str, auth: tuple[str, str]) -> httpx.Client:
    return httpx.Client(base_url=base_url.rstrip("/"), auth=auth, timeout=TIMEOUT_SECONDS)
