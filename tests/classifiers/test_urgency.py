from __future__ import annotations

import numpy as np
import pytest

from classifiers import WEIGHTS, UrgencyContext, score_urgency
from classifiers.types import ModelScores
from classifiers.urgency import LEVELS


def scores(complaint: float = 0.2, neg: float = 0.2, urgency: float = 0.1, severity: int = 0) -> ModelScores:
    sev = [0.0] * 5
    sev[severity] = 1.0
    rest = (1 - neg) / 2
    return ModelScores(
        sentiment={"negative": neg, "neutral": rest, "positive": rest},
        complaint=complaint,
        severity=tuple(sev),
        urgency=urgency,
        embedding=np.zeros(4, dtype=np.float32),
    )


CALM = scores()
PLAIN = "my order is late"
RANK = {name: i for i, (_, name) in enumerate(reversed(LEVELS))}


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("my order is late, I am calling my lawyer", "threatens legal action"),
        ("the charger caught fire and burned my hand", "mentions injury or a safety risk"),
        ("fix it or I'm cancelling my account", "threatens to cancel or leave"),
        ("I'm going to the press with this", "mentions the press or going public"),
        ("I will file a chargeback today", "mentions a chargeback or disputing the payment"),
    ],
)
def test_risk_phrases_raise_score_and_add_reason(text: str, reason: str) -> None:
    base = score_urgency(CALM, PLAIN, UrgencyContext())
    risky = score_urgency(CALM, text, UrgencyContext())
    assert risky.score > base.score
    assert reason in risky.reasons


def test_legal_and_safety_floor_the_level_at_high() -> None:
    assert score_urgency(CALM, PLAIN, UrgencyContext()).level == "low"
    assert score_urgency(CALM, "I will sue you", UrgencyContext()).level == "high"
    assert score_urgency(CALM, "my child had an allergic reaction", UrgencyContext()).level == "high"


def test_reach_verified_and_tier_add_reasons() -> None:
    u = score_urgency(CALM, PLAIN, UrgencyContext(followers=120_000, verified=True, customer_tier="VIP"))
    assert "author has 120k followers" in u.reasons
    assert "verified author" in u.reasons and "vip customer" in u.reasons
    assert u.score > score_urgency(CALM, PLAIN, UrgencyContext()).score


def test_repeat_contact_reason_counts_contacts() -> None:
    u = score_urgency(CALM, PLAIN, UrgencyContext(repeat_contacts=2))
    assert "3rd contact in 24 h" in u.reasons


def test_model_reasons_show_scores() -> None:
    u = score_urgency(scores(complaint=0.94, neg=0.9), PLAIN, UrgencyContext())
    assert "model: strong complaint (0.94)" in u.reasons


def test_everything_at_once_is_critical() -> None:
    ctx = UrgencyContext(
        followers=2_000_000, verified=True, customer_tier="enterprise", category_severity=5, repeat_contacts=3
    )
    u = score_urgency(scores(0.99, 0.95, 0.9, 4), "the battery exploded, my lawyer will call", ctx)
    assert u.level == "critical" and u.score == 1.0


def test_weights_are_positive_and_score_is_monotone() -> None:
    assert all(w > 0 for w in WEIGHTS.values())
    ladders = [
        [UrgencyContext(followers=f) for f in (0, 100, 10_000, 1_000_000)],
        [UrgencyContext(category_severity=c) for c in (1, 2, 3, 4, 5)],
        [UrgencyContext(repeat_contacts=r) for r in (0, 1, 2, 3, 5)],
        [UrgencyContext(verified=v) for v in (False, True)],
        [UrgencyContext(customer_tier=t) for t in ("standard", "vip")],
    ]
    for ladder in ladders:
        values = [score_urgency(CALM, PLAIN, ctx).score for ctx in ladder]
        assert values == sorted(values), ladder
    for field in ("complaint", "neg", "urgency"):
        values = [score_urgency(scores(**{field: x}), PLAIN, UrgencyContext()).score for x in (0.0, 0.3, 0.6, 0.9)]
        assert values == sorted(values) and values[0] < values[-1]
    values = [score_urgency(scores(severity=s), PLAIN, UrgencyContext()).score for s in range(5)]
    assert values == sorted(values)


def test_level_never_drops_as_score_rises() -> None:
    levels = [
        score_urgency(scores(complaint=c), PLAIN, UrgencyContext(followers=f)).level
        for c, f in ((0, 0), (0.5, 1000), (0.9, 100_000), (1, 10_000_000))
    ]
    assert [RANK[x] for x in levels] == sorted(RANK[x] for x in levels)
