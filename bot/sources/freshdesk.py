"""Freshdesk: automation webhooks in (Freshdesk does not sign them: a shared secret header instead), replies out
with `POST /api/v2/tickets/{id}/reply` (basic auth: the API key as user name, "X" as password)."""

from __future__ import annotations

import html
from collections.abc import Iterable
from typing import Any

import httpx
from pydantic import ValidationError

from bot.api.errors import validation_details
from bot.errors import InvalidRequest
from bot.schemas import TicketIn
from bot.settings import Settings
from bot.sources.helpdesk import HelpdeskReplier, client

SOURCE = "freshdesk"


def to_ticket(data: Any) -> TicketIn:
    """The webhook body Freshdesk's automation sends (README, "Connect Freshdesk"): `freshdesk_webhook` with
    ticket_id, ticket_subject, ticket_description, ticket_contact_name/email, ticket_priority, ticket_url, and
    ticket_created_at."""
    body = data.get("freshdesk_webhook") if isinstance(data, dict) else None
    if not isinstance(body, dict) or not body.get("ticket_id"):
        raise InvalidRequest(
            "invalid Freshdesk webhook", [{"field": "freshdesk_webhook.ticket_id", "reason": "missing"}]
        )
    fields = {
        "source": SOURCE,
        "external_id": str(body["ticket_id"]),
        "subject": body.get("ticket_subject"),
        "body": body.get("ticket_description"),
        "created_at": body.get("ticket_created_at"),
        "requester": {"name": body.get("ticket_contact_name"), "email": body.get("ticket_contact_email")},
        "priority": str(body["ticket_priority"]) if body.get("ticket_priority") not in (None, "") else None,
        "url": body.get("ticket_url") or None,
    }
    try:
        return TicketIn.model_validate(fields)
    except ValidationError as exc:
        raise InvalidRequest("invalid Freshdesk webhook", validation_details(list(exc.errors()))) from exc


def replier(settings: Settings) -> HelpdeskReplier | None:
    if not settings.freshdesk_replies_enabled:
        return None
    assert settings.freshdesk_url and settings.freshdesk_api_key
    http = client(settings.freshdesk_url, (settings.freshdesk_api_key.get_secret_value(), "X"))
    base = settings.freshdesk_url.rstrip("/")

    def post(ticket: str, text: str) -> httpx.Response:
        return http.post(f"/api/v2/tickets/{ticket}/reply", json={"body": html.escape(text).replace("\n", "<br>")})

    def comments(ticket: str) -> Iterable[tuple[str, str]]:
        response = http.get(f"/api/v2/tickets/{ticket}/conversations")
        response.raise_for_status()
        return [(str(c.get("id")), str(c.get("body_text") or "")) for c in response.json() or []]

    return HelpdeskReplier("Freshdesk", post=post, comments=comments, link=lambda t: f"{base}/a/tickets/{t}")
