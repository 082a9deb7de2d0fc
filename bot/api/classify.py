from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from bot.api.deps import ContextDep, IngestUser
from bot.errors import Unavailable
from bot.schemas import ClassifyIn
from classifiers import UrgencyContext
from playbooks.triage import TriageInput

router = APIRouter(prefix="/v1", tags=["classify"])


@router.post("/classify")
def classify(body: ClassifyIn, ctx: ContextDep, _: IngestUser) -> dict[str, list[dict[str, Any]]]:
    model = ctx.model.loaded
    if model is None:
        raise Unavailable("the model is not ready yet", {"model": ctx.model.error or "loading"})
    scores = model.batcher.predict(body.texts)
    items = [TriageInput(text, "api", UrgencyContext()) for text in body.texts]
    return {"results": [result.to_dict() for result, _ in model.triage.decide(items, scores)]}
