from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from classifiers import WEIGHTS, UrgencyContext, score_urgency
from classifiers.risk import RiskFinding
from classifiers.risk_types import RISK_LABELS, RiskType
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


def finding(risk: RiskType, p: float = 0.9, serious: bool = True) -> RiskFinding:
    return RiskFinding(risk, p, ("the words",), serious)


@pytest.mark.parametrize("risk", list(RiskType))
def test_a_serious_risk_raises_score_and_comes_first_in_reasons(risk: RiskType) -> None:
    base = score_urgency(CALM, PLAIN, UrgencyContext())
    risky = score_urgency(CALM, PLAIN, UrgencyContext(), [finding(risk)])
    assert risky.score > base.score
    assert risky.reasons[0].startswith(f"risk: {RISK_LABELS[risk]} (0.90)")


def test_a_serious_risk_floors_the_level_whatever_the_model_says() -> None:
    assert score_urgency(CALM, PLAIN, UrgencyContext()).level == "low"
    assert score_urgency(CALM, PLAIN, UrgencyContext(), [finding(RiskType.LEGAL)]).level == "high"
    assert score_urgency(CALM, PLAIN, UrgencyContext(), [finding(RiskType.INJURY)]).level == "critical"
    floors = {RiskType.LEGAL: "critical"}
    assert score_urgency(CALM, PLAIN, UrgencyContext(), [finding(RiskType.LEGAL)], floors).level == "critical"


def test_a_risk_below_its_threshold_neither_floors_nor_adds() -> None:
    base = score_urgency(CALM, PLAIN, UrgencyContext())
    weak = score_urgency(CALM, PLAIN, UrgencyContext(), [finding(RiskType.INJURY, 0.4, serious=False)])
    assert (weak.level, weak.score, weak.reasons) == (base.level, base.score, base.reasons)


def test_churn_and_waiting_add_reasons() -> None:
    u = score_urgency(CALM, "fix it or I'm cancelling my account", UrgencyContext())
    assert "threatens to cancel or leave" in u.reasons
    late = score_urgency(CALM, PLAIN, UrgencyContext(waited_minutes=180, target_minutes=60))
    assert "waited 3 h (target 60 min)" in late.reasons
    assert late.score > score_urgency(CALM, PLAIN, UrgencyContext(waited_minutes=5, target_minutes=60)).score


def test_an_ordinary_complaint_from_an_ordinary_author_stays_below_high() -> None:
    angry = scores(complaint=0.95, neg=0.95, urgency=0.5, severity=3)
    assert score_urgency(angry, PLAIN, UrgencyContext(followers=1_500, category_severity=3)).level == "normal"


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
    ctx = replace(ctx, waited_minutes=120, target_minutes=30)
    risks = [finding(RiskType.SAFETY_HAZARD, 0.99), finding(RiskType.LEGAL, 0.95)]
    u = score_urgency(scores(0.99, 0.95, 0.9, 4), "the battery exploded, I'm cancelling my account", ctx, risks)
    assert u.level == "critical" and u.score == 1.0


def test_weights_are_positive_and_score_is_monotone() -> None:
    assert all(w > 0 for w in WEIGHTS.values())
    ladders = [
        [UrgencyContext(followers=f) for f in (0, 100, 10_000, 1_000_000)],
        [UrgencyContext(category_severity=c) for c in (1, 2, 3, 4, 5)],
        [UrgencyContext(repeat_contacts=r) for r in (0, 1, 2, 3, 5)],
        [UrgencyContext(verified=v) for v in (False, True)],
        [UrgencyContext(customer_tier=t) for t in ("standard", "vip")],
        [UrgencyContext(waited_minutes=w, target_minutes=30) for w in (0, 10, 30, 300)],
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
