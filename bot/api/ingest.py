"""POST /v1/mentions, /v1/mentions/batch, /v1/tickets: commit, then answer 202 (or 200 for a duplicate)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Response
from pydantic import TypeAdapter, ValidationError

from bot.api.deps import ContextDep, IngestUser
from bot.api.errors import validation_details
from bot.errors import InvalidRequest
from bot.intake.ingest import check_times
from bot.schemas import BatchIn, IngestResult, MentionIn, TicketIn

router = APIRouter(prefix="/v1", tags=["ingest"])
MENTION = TypeAdapter(MentionIn)


def _accept(ctx: ContextDep, item: MentionIn | TicketIn, response: Response) -> IngestResult:
    check_times(item, now=ctx.clock.now())
    (result,) = ctx.ingest.submit([item])
    response.status_code = 200 if result.duplicate else 202
    return IngestResult(case_id=result.case_id, duplicate=result.duplicate)


@router.post(
    "/mentions",
    status_code=202,
    response_model=IngestResult,
    responses={200: {"description": "duplicate: the case already exists"}},
)
def post_mention(body: MentionIn, ctx: ContextDep, _: IngestUser, response: Response) -> IngestResult:
    return _accept(ctx, body, response)


@router.post(
    "/tickets",
    status_code=202,
    response_model=IngestResult,
    responses={200: {"description": "duplicate: the case already exists"}},
)
def post_ticket(body: TicketIn, ctx: ContextDep, _: IngestUser, response: Response) -> IngestResult:
    return _accept(ctx, body, response)


@router.post("/mentions/batch")
def post_mention_batch(body: BatchIn, ctx: ContextDep, _: IngestUser) -> dict[str, list[dict[str, Any]]]:
    """Each item is validated on its own: bad items get an error in their slot, good ones are stored."""
    results: list[dict[str, Any]] = [{}] * len(body.items)
    valid: list[tuple[int, MentionIn]] = []
    now = ctx.clock.now()
    for i, raw in enumerate(body.items):
        try:
            item = MENTION.validate_python(raw)
            check_times(item, now=now)
            valid.append((i, item))
        except ValidationError as exc:
            message, details = "item does not match the Mention schema", validation_details(list(exc.errors()))
            results[i] = {"error": {"code": "invalid_request", "message": message, "details": details}}
        except InvalidRequest as exc:
            results[i] = {"error": {"code": exc.code, "message": exc.message, "details": exc.details}}
    if valid:
        accepted = ctx.ingest.submit([m for _, m in valid])
        for (i, _item), res in zip(valid, accepted, strict=True):
            results[i] = {"case_id": res.case_id, "duplicate": res.duplicate}
    return {"results": results}
