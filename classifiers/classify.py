"""From one text's model scores and context to the Classification the service stores."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from classifiers.matching import CategoryMatcher
from classifiers.risk import RiskFinding
from classifiers.risk_types import RiskType
from classifiers.types import CategoryMatch, Classification, ModelScores, UrgencyContext, UrgencyLevel
from classifiers.urgency import score_urgency

COMPLAINT_THRESHOLD = 0.5  # P(complaint) at or above which a text counts as a complaint


def classify_scores(
    scores: ModelScores,
    text: str,
    ctx: UrgencyContext,
    matcher: CategoryMatcher | None = None,
    complaint_threshold: float = COMPLAINT_THRESHOLD,
    risks: Sequence[RiskFinding] = (),
    floors: Mapping[RiskType, UrgencyLevel] | None = None,
    category: CategoryMatch | None = None,
) -> Classification:
    """``category``: a match already made (category matching runs once per text); else ``matcher`` makes it."""
    if category is None:
        category = matcher.match(scores.embedding) if matcher is not None else CategoryMatch(None, 0.0)
    return Classification(
        sentiment_label=scores.sentiment_label,
        sentiment_scores=dict(scores.sentiment),
        is_complaint=scores.complaint >= complaint_threshold,
        complaint_score=scores.complaint,
        urgency=score_urgency(scores, text, ctx, risks, floors),
        category=category,
        severity=scores.expected_severity,
        risks=tuple(risks),
    )
