"""Plain data types shared by the model runtime, the urgency rules and category matching.

These are the public shapes `bot` and `playbooks` rely on; keep them stable.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from classifiers.risk import RiskFinding

SENTIMENT_LABELS = ("negative", "neutral", "positive")


class UrgencyLevel(StrEnum):
    """The four urgency levels, lowest first; `rank` (1..4) is what the queue sorts on."""

    LOW = "low"
    NORMAL = "normal"
    HIGH = "high"
    CRITICAL = "critical"

    @property
    def rank(self) -> int:
        return list(UrgencyLevel).index(self) + 1

    @classmethod
    def from_rank(cls, rank: int) -> UrgencyLevel:
        return list(cls)[rank - 1]

    def at_least(self, other: str) -> bool:
        return self.rank >= UrgencyLevel(other).rank


@dataclass(frozen=True)
class ModelScores:
    """Everything one forward pass of the encoder gives for one text."""

    sentiment: dict[str, float]  # probabilities over SENTIMENT_LABELS
    complaint: float  # P(text is a complaint)
    severity: tuple[float, ...]  # probabilities over severity 0..4 (X-CI scale)
    urgency: float  # 0..1, regression head trained on forum-post urgency (1..7 rescaled)
    embedding: np.ndarray = field(repr=False)  # L2-normalised sentence embedding (float32)

    @property
    def sentiment_label(self) -> str:
        return max(self.sentiment, key=self.sentiment.__getitem__)

    @property
    def expected_severity(self) -> float:
        return float(sum(i * p for i, p in enumerate(self.severity)))


@dataclass(frozen=True)
class UrgencyContext:
    """What the service knows about a case besides its text."""

    followers: int | None = None
    verified: bool = False
    customer_tier: str | None = None  # e.g. "vip", "enterprise", "standard"
    category_severity: int | None = None  # playbook category severity, 1 (minor) .. 5 (critical)
    repeat_contacts: int = 0  # earlier cases from the same author in the look-back window
    waited_minutes: float = 0.0  # from the post's created_at to classification (late arrivals wait longer)
    target_minutes: int | None = None  # the response target the wait is measured against (ack minutes)


@dataclass(frozen=True)
class Urgency:
    level: UrgencyLevel
    score: float
    reasons: list[str]


@dataclass(frozen=True)
class CategoryMatch:
    name: str | None
    score: float


@dataclass(frozen=True)
class Classification:
    sentiment_label: str
    sentiment_scores: dict[str, float]
    is_complaint: bool
    complaint_score: float
    urgency: Urgency
    category: CategoryMatch
    severity: float = 0.0  # expected severity 0..4, kept for explanations
    risks: tuple[RiskFinding, ...] = ()  # most probable first; the serious ones escalate

    @property
    def serious_risks(self) -> tuple[RiskFinding, ...]:
        return tuple(r for r in self.risks if r.serious)

    def to_dict(self) -> dict[str, Any]:
        """The contract's Classification JSON shape."""
        return {
            "sentiment": {
                "label": self.sentiment_label,
                "scores": {k: round(v, 4) for k, v in self.sentiment_scores.items()},
            },
            "complaint": {"is_complaint": self.is_complaint, "score": round(self.complaint_score, 4)},
            "urgency": {
                "level": self.urgency.level,
                "score": round(self.urgency.score, 4),
                "reasons": list(self.urgency.reasons),
            },
            "category": {"name": self.category.name, "score": round(self.category.score, 4)},
            "risks": [r.to_dict() for r in self.risks],
        }


def asdict_scores(scores: ModelScores) -> dict[str, Any]:
    data = asdict(scores)
    data.pop("embedding")
    return data
