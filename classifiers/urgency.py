"""Explainable urgency: the model's scores plus the case's context, with the reasons in plain words.

All weights live in ``WEIGHTS`` below; the score is their weighted sum, clipped to 0..1::

    score =  complaint  * P(complaint)                      (model)
           + negative   * P(negative sentiment)             (model)
           + severity   * expected severity / 4             (model, X-CI scale 0..4)
           + model_urgency * urgency head (0..1)            (model, forum-urgency scale)
           + reach      * min(1, log10(1 + followers) / 6)  (1M followers = full weight)
           + verified   * [author is verified]
           + tier       * [customer tier is vip or enterprise]
           + category   * (category severity - 1) / 4       (playbook category severity 1..5)
           + repeat     * min(repeat contacts, 3) / 3
           + the weight of each risk kind found in the text (RISKS: legal, safety, press, chargeback, churn)

Every term is non-negative and grows with its input, so the score is monotone in each input.
Levels: ``critical`` >= 0.75 > ``high`` >= 0.50 > ``normal`` >= 0.25 > ``low``. A safety or legal risk
raises the level to at least ``high`` whatever the other terms say.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from classifiers.types import ModelScores, Urgency, UrgencyContext

WEIGHTS: dict[str, float] = {
    "complaint": 0.15,
    "negative": 0.10,
    "severity": 0.10,
    "model_urgency": 0.10,
    "reach": 0.15,
    "verified": 0.05,
    "tier": 0.10,
    "category": 0.15,
    "repeat": 0.10,
}

LEVELS: tuple[tuple[float, str], ...] = ((0.75, "critical"), (0.50, "high"), (0.25, "normal"), (0.0, "low"))
REPEAT_WINDOW = "24 h"  # how the service's look-back window for repeat contacts is named in reasons
PRIORITY_TIERS = frozenset({"vip", "enterprise"})
FLOOR_HIGH = frozenset({"legal", "safety"})  # risk kinds that make a case at least "high"


@dataclass(frozen=True)
class Risk:
    kind: str
    weight: float
    reason: str
    pattern: re.Pattern[str]


def _words(*phrases: str) -> re.Pattern[str]:
    return re.compile(r"\b(?:" + "|".join(phrases) + r")\b", re.IGNORECASE)


RISKS: tuple[Risk, ...] = (
    Risk(
        "legal",
        0.30,
        "threatens legal action",
        _words(
            r"lawyers?",
            r"attorneys?",
            r"sue",
            r"suing",
            r"sued",
            r"lawsuit",
            r"legal action",
            r"solicitors?",
            r"small claims",
            r"class action",
            r"take (?:you|this) to court",
            r"court",
            r"ombudsman",
        ),
    ),
    Risk(
        "safety",
        0.35,
        "mentions injury or a safety risk",
        _words(
            r"injur(?:y|ies|ed)",
            r"hurt",
            r"hospital",
            r"unsafe",
            r"safety",
            r"dangerous",
            r"fire",
            r"caught fire",
            r"burn(?:t|ed|s)?",
            r"explod(?:e|ed|ing)",
            r"smoke",
            r"allergic",
            r"allergy",
            r"food poisoning",
            r"poisoned",
            r"choking",
            r"electric shock",
            r"recall",
        ),
    ),
    Risk(
        "press",
        0.20,
        "mentions the press or going public",
        _words(
            r"the press",
            r"press",
            r"news",
            r"reporters?",
            r"journalists?",
            r"media",
            r"go(?:ing)? viral",
            r"bbc",
            r"watchdog",
        ),
    ),
    Risk(
        "chargeback",
        0.20,
        "mentions a chargeback or disputing the payment",
        _words(
            r"chargeback",
            r"charge back",
            r"dispute the (?:charge|payment)",
            r"fraud(?:ulent)?",
            r"scam",
        ),
    ),
    Risk(
        "churn",
        0.15,
        "threatens to cancel or leave",
        _words(
            r"cancel(?:l?ing)? my (?:account|subscription|contract|order|plan)",
            r"cancel(?:l?ed)?",
            r"close my account",
            r"switching to",
            r"switch(?:ing)? providers?",
            r"never (?:again|using)",
            r"leaving",
            r"taking my business",
        ),
    ),
)


def find_risks(text: str) -> list[Risk]:
    """The risk kinds whose phrases occur in the text."""
    return [risk for risk in RISKS if risk.pattern.search(text)]


def _ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def _people(n: int) -> str:
    if n >= 1_000_000:
        return f"{n / 1_000_000:.1f}M".replace(".0M", "M")
    if n >= 1_000:
        return f"{n / 1_000:.0f}k"
    return str(n)


def level_for(score: float) -> str:
    return next(name for bound, name in LEVELS if score >= bound)


def score_urgency(scores: ModelScores, text: str, ctx: UrgencyContext) -> Urgency:
    """Combine the model's scores and the context into a level, a 0..1 score and plain-words reasons."""
    terms: list[tuple[float, str | None]] = []

    def add(weight: str, value: float, reason: str | None) -> None:
        terms.append((WEIGHTS[weight] * value, reason))

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
    add("repeat", min(repeats, 3) / 3, f"{_ordinal(repeats + 1)} contact in {REPEAT_WINDOW}" if repeats else None)
    risks = find_risks(text)
    terms += [(risk.weight, risk.reason) for risk in risks]

    score = min(1.0, max(0.0, sum(value for value, _ in terms)))
    level = level_for(score)
    if any(r.kind in FLOOR_HIGH for r in risks) and level in ("low", "normal"):
        level = "high"
    ranked = sorted((t for t in terms if t[1]), key=lambda t: -t[0])
    return Urgency(level=level, score=round(score, 4), reasons=[reason for _, reason in ranked if reason])
