"""POST /v1/webhooks/zendesk, /freshdesk, /generic: verified by signature or secret (never by an API token),
then stored like any mention or ticket: 202 for a new case, 200 for a repeat delivery of the same one."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

from fastapi import APIRouter, Request, Response
from pydantic import ValidationError

from bot.api.deps import ContextDep
from bot.api.errors import validation_details
from bot.errors import InvalidRequest, Unavailable
from bot.intake import signatures
from bot.intake.ingest import check_times
from bot.schemas import IngestResult, MentionIn, TicketIn
from bot.sources import freshdesk, zendesk

router = APIRouter(prefix="/v1/webhooks", tags=["webhooks"])
RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {"description": "a repeat delivery: the case already exists"},
    401: {"description": "bad or missing signature or secret, or outside the replay window"},
    422: {"description": "the body is not what this source sends"},
    503: {"description": "this webhook is not configured"},
}


def _json(raw: bytes) -> Any:
    try:
        return json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        raise InvalidRequest("body is not valid JSON", [{"field": "body", "reason": "invalid JSON"}]) from None


def _store(ctx: ContextDep, item: MentionIn | TicketIn, response: Response) -> IngestResult:
    check_times(item, now=ctx.clock.now())
    (result,) = ctx.ingest.submit([item])
    response.status_code = 200 if result.duplicate else 202
    return IngestResult(case_id=result.case_id, duplicate=result.duplicate)


def _secret(value: Any, name: str) -> str:
    if value is None:
        raise Unavailable(f"this webhook is off: set {name}")
    return str(value.get_secret_value())


@router.post("/zendesk", status_code=202, response_model=IngestResult, responses=RESPONSES)
async def zendesk_webhook(request: Request, ctx: ContextDep, response: Response) -> IngestResult:
    secret = _secret(ctx.settings.zendesk_webhook_secret, "RRBOT_ZENDESK_WEBHOOK_SECRET")
    raw = await request.body()
    tolerance = timedelta(seconds=ctx.settings.webhook_tolerance_seconds)
    signatures.zendesk(request.headers, raw, secret=secret, now=ctx.clock.now(), tolerance=tolerance)
    return _store(ctx, zendesk.to_ticket(_json(raw)), response)


@router.post("/freshdesk", status_code=202, response_model=IngestResult, responses=RESPONSES)
async def freshdesk_webhook(request: Request, ctx: ContextDep, response: Response) -> IngestResult:
    secret = _secret(ctx.settings.freshdesk_webhook_secret, "RRBOT_FRESHDESK_WEBHOOK_SECRET")
    signatures.shared_secret(request.headers.get("x-rrbot-secret"), secret=secret)
    return _store(ctx, freshdesk.to_ticket(_json(await request.body())), response)


@router.post("/generic", status_code=202, response_model=IngestResult, responses=RESPONSES)
async def generic_webhook(request: Request, ctx: ContextDep, response: Response) -> IngestResult:
    """A Mention or a Ticket (a body with `body` is a ticket), signed with RRBot-Signature."""
    secrets = [s.strip() for s in (ctx.settings.webhook_secrets or "").split(",") if s.strip()]
    if not secrets:
        raise Unavailable("this webhook is off: set RRBOT_WEBHOOK_SECRETS")
    raw = await request.body()
    tolerance = timedelta(seconds=ctx.settings.webhook_tolerance_seconds)
    header = request.headers.get("rrbot-signature")
    signatures.generic(header, raw, secrets=secrets, now=ctx.clock.now(), tolerance=tolerance)
    data = _json(raw)
    model: type[MentionIn] | type[TicketIn] = TicketIn if isinstance(data, dict) and "body" in data else MentionIn
    try:
        item = model.model_validate(data)
    except ValidationError as exc:
        raise InvalidRequest(f"body is not a {model.__name__[:-2]}", validation_details(list(exc.errors()))) from exc
    return _store(ctx, item, response)
