"""Zendesk: webhook events in (ticket created, comment added), replies out as ticket comments.

In: the JSON a Zendesk trigger or webhook sends (README, "Connect Zendesk"), or a Zendesk event-subscription
payload (`type` "zen:event-type:ticket.created" / "...comment_added", fields under `detail` and `event`).
Out: `PUT /api/v2/tickets/{id}` with `ticket.comment` (public), basic auth `email/token:api_token`.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import httpx
from pydantic import ValidationError

from bot.api.errors import validation_details
from bot.errors import InvalidRequest
from bot.schemas import TicketIn
from bot.settings import Settings
from bot.sources.helpdesk import HelpdeskReplier, client

SOURCE = "zendesk"


def _first(*values: Any) -> Any:
    return next((v for v in values if v not in (None, "")), None)


def to_ticket(data: Any) -> TicketIn:
    """One webhook body as a Ticket: a new ticket is its own case; a comment is a case on that ticket's thread."""
    if not isinstance(data, dict):
        raise InvalidRequest("invalid Zendesk event", [{"field": "body", "reason": "expected a JSON object"}])
    event = data.get("event")
    kind = event if isinstance(event, str) else str(data.get("type") or "")
    ticket = data.get("ticket") or data.get("detail") or {}
    comment = data.get("comment") or (event.get("comment") if isinstance(event, dict) else None)
    if not isinstance(ticket, dict) or not ticket.get("id"):
        raise InvalidRequest("invalid Zendesk event", [{"field": "ticket.id", "reason": "missing"}])
    requester = ticket.get("requester") or {}
    fields: dict[str, Any] = {
        "source": SOURCE,
        "external_id": str(ticket["id"]),
        "subject": ticket.get("subject") or ticket.get("title"),
        "body": _first(ticket.get("description"), (ticket.get("latest_comment") or {}).get("body")),
        "created_at": _first(ticket.get("created_at"), data.get("time")),
        "requester": {"name": requester.get("name"), "email": requester.get("email")},
        "priority": ticket.get("priority") or None,
        "url": ticket.get("url") or None,
    }
    if "comment" in kind and isinstance(comment, dict) and comment.get("id"):
        fields.update(
            external_id=f"{ticket['id']}:comment:{comment['id']}",
            thread_id=str(ticket["id"]),
            body=comment.get("body"),
            created_at=_first(comment.get("created_at"), data.get("time"), ticket.get("updated_at")),
        )
    try:
        return TicketIn.model_validate(fields)
    except ValidationError as exc:
        raise InvalidRequest("invalid Zendesk event", validation_details(list(exc.errors()))) from exc


def replier(settings: Settings) -> HelpdeskReplier | None:
    if not settings.zendesk_replies_enabled:
        return None
    assert settings.zendesk_url and settings.zendesk_email and settings.zendesk_api_token
    http = client(
        settings.zendesk_url, (f"{settings.zendesk_email}/token", settings.zendesk_api_token.get_secret_value())
    )
    base = settings.zendesk_url.rstrip("/")

    def post(ticket: str, text: str) -> httpx.Response:
        return http.put(f"/api/v2/tickets/{ticket}", json={"ticket": {"comment": {"body": text, "public": True}}})

    def comments(ticket: str) -> Iterable[tuple[str, str]]:
        response = http.get(f"/api/v2/tickets/{ticket}/comments")
        response.raise_for_status()
        return [(str(c.get("id")), str(c.get("body") or "")) for c in response.json().get("comments") or []]

    return HelpdeskReplier("Zendesk", post=post, comments=comments, link=lambda t: f"{base}/agent/tickets/{t}")
