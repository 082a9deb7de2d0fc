"""Explainable urgency: risk, the model's scores and the case's context, with the reasons in plain words.

All weights live in ``WEIGHTS`` below; the score is their weighted sum, clipped to 0..1::

    score =  risk       * P(the most probable serious risk)   (risk head, classifiers.risk)
           + complaint  * P(complaint)                      (model)
           + negative   * P(negative sentiment)             (model)
           + severity   * expected severity / 4             (model, X-CI scale 0..4)
           + model_urgency * urgency head (0..1)            (model, forum-urgency scale)
           + reach      * min(1, log10(1 + followers) / 6)  (1M followers = full weight)
           + verified   * [author is verified]
           + tier       * [customer tier is vip or enterprise]
           + category   * (category severity - 1) / 4       (playbook category severity 1..5)
           + repeat     * min(repeat contacts, 3) / 3
           + waiting    * min(1, minutes waited / response target)
           + churn      * [threatens to cancel or leave]

Every term is non-negative and grows with its input, so the score is monotone in each input.
Levels: ``critical`` >= 0.75 > ``high`` >= 0.50 > ``normal`` >= 0.25 > ``low``. A serious risk raises the level
to at least its floor (``RISK_FLOORS``, which a playbook may change) whatever the other terms say, so a calm
report of an injury is never ranked below an angry one about a late parcel. An ordinary complaint from an
ordinary author stays ``normal``: reach, verification, tier, repeats or a long wait lift it higher.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence

from classifiers.risk import RiskFinding
from classifiers.risk_types import RiskType
from classifiers.types import ModelScores, Urgency, UrgencyContext, UrgencyLevel

WEIGHTS: dict[str, float] = {
    "risk": 0.50,
    "complaint": 0.12,
    "negative": 0.08,
    "severity": 0.08,
    "model_urgency": 0.05,
    "reach": 0.15,
    "verified": 0.05,
    "tier": 0.10,
    "category": 0.10,
    "repeat": 0.10,
    "waiting": 0.07,
    "churn": 0.05,
}

LEVELS: tuple[tuple[float, UrgencyLevel], ...] = (
    (0.75, UrgencyLevel.CRITICAL),
    (0.50, UrgencyLevel.HIGH),
    (0.25, UrgencyLevel.NORMAL),
    (0.0, UrgencyLevel.LOW),
)
REPEAT_WINDOW = "24 h"  # how the service's look-back window for repeat contacts is named in reasons
PRIORITY_TIERS = frozenset({"vip", "enterprise"})
RISK_FLOORS: dict[RiskType, UrgencyLevel] = dict.fromkeys(RiskType, UrgencyLevel.HIGH) | {
    RiskType.INJURY: UrgencyLevel.CRITICAL
}
CHURN = re.compile(
    r"\b(?:cancel(?:l?ing)? my (?:account|subscription|contract|order|plan)|close my account|switching to|"
    r"switch(?:ing)? providers?|taking my business|never (?:using|shopping|buying|flying|ordering) (?:here|with you|"
    r"from you) again)\b",
    re.IGNORECASE,
)


def ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def _people(n: int) -> str:
    if n >= 1_000_000:
        return f"{n / 1_000_000:.1f}M".replace(".0M", "M")
    if n >= 1_000:
        return f"{n / 1_000:.0f}k"
    return str(n)


def level_for(score: float) -> UrgencyLevel:
    return next(name for bound, name in LEVELS if score >= bound)


def _minutes(m: float) -> str:
    return f"{m / 60:.1f} h".replace(".0 h", " h") if m >= 90 else f"{m:.0f} min"


def risk_reason(risk: RiskFinding) -> str:
    words = ", ".join(f'"{w}"' for w in risk.evidence[:2])
    return f"risk: {risk.label} ({risk.probability:.2f}): {words}"


def score_urgency(
    scores: ModelScores,
    text: str,
    ctx: UrgencyContext,
    risks: Sequence[RiskFinding] = (),
    floors: Mapping[RiskType, UrgencyLevel] | None = None,
) -> Urgency:
    """Combine risks, the model's scores and the context into a level, a 0..1 score and plain-words reasons."""
    terms: list[tuple[float, str | None]] = []

    def add(weight: str, value: float, reason: str | None) -> None:
        terms.append((WEIGHTS[weight] * value, reason))

    serious = [r for r in risks if r.serious]
    top = max((r.probability for r in serious), default=0.0)
    terms.append((WEIGHTS["risk"] * top, None))  # its reasons come first, one per serious risk
    c, neg, sev, u = scores.complaint, scores.sentiment.get("negative", 0.0), scores.expected_severity, scores.urgency
    strength = "strong" if c >= 0.8 else "likely"
    add("complaint", c, f"model: {strength} complaint ({c:.2f})" if c >= 0.5 else None)
    add("negative", neg, f"model: negative tone ({neg:.2f})" if neg >= 0.6 else None)
    add("severity", sev / 4, f"model: harsh wording (severity {sev:.1f}/4)" if sev >= 2.5 else None)
    add("model_urgency", u, f"model: urgent request ({u:.2f})" if u >= 0.6 else None)
    followers = max(0, ctx.followers or 0)
    reach = min(1.0, math.log10(1 + followers) / 6)
    add("reach", reach, f"author has {_people(followers)} followers" if followers >= 10_000 else None)
    add("verified", float(ctx.verified), "verified author" if ctx.verified else None)
    tier = (ctx.customer_tier or "").lower()
    add("tier", float(tier in PRIORITY_TIERS), f"{tier} customer" if tier in PRIORITY_TIERS else None)
    cat = min(5, max(1, ctx.category_severity)) if ctx.category_severity else 1
    add("category", (cat - 1) / 4, f"category severity {cat}/5" if cat >= 4 else None)
    repeats = max(0, ctx.repeat_contacts)
    add("repeat", min(repeats, 3) / 3, f"{ordinal(repeats + 1)} contact in {REPEAT_WINDOW}" if repeats else None)
    waited, target = max(0.0, ctx.waited_minutes), ctx.target_minutes
    late = min(1.0, waited / target) if target else 0.0
    add("waiting", late, f"waited {_minutes(waited)} (target {target} min)" if target and late >= 0.5 else None)
    churn = bool(CHURN.search(text))
    add("churn", float(churn), "threatens to cancel or leave" if churn else None)

    score = min(1.0, max(0.0, sum(value for value, _ in terms)))
    level = level_for(score)
    floor_by = {**RISK_FLOORS, **(floors or {})}
    for risk in serious:
        floor = UrgencyLevel(floor_by.get(risk.type, UrgencyLevel.HIGH))
        if floor.rank > level.rank:
            level = floor
    ranked = sorted((t for t in terms if t[1]), key=lambda t: -t[0])
    reasons = [risk_reason(r) for r in serious] + [reason for _, reason in ranked if reason]
    return Urgency(level=level, score=round(score, 4), reasons=reasons)
