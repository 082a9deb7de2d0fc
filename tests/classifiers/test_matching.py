from __future__ import annotations

import numpy as np
import pytest

from classifiers import CategoryMatcher, Engine, UrgencyContext, classify_scores
from classifiers.risk import RiskModel
from classifiers.risk_types import RiskType

CATEGORIES = {
    "pushy_sales": [
        "the salesperson was really pushy",
        "staff kept pressuring me to buy an extended warranty",
        "aggressive sales tactics in your store",
        "your rep would not stop trying to upsell me",
    ],
    "late_delivery": [
        "my package has not arrived yet",
        "the delivery is a week late",
        "where is my order, it was due days ago",
        "courier never delivered my parcel",
    ],
}


@pytest.fixture(scope="module")
def matcher(engine: Engine) -> CategoryMatcher:
    return CategoryMatcher(engine, CATEGORIES)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("the salesman kept pressuring me to buy insurance I did not want", "pushy_sales"),
        ("sales assistant was so aggressive I walked out", "pushy_sales"),
        ("still waiting for my order, tracking hasn't moved in 5 days", "late_delivery"),
        ("my parcel is late again", "late_delivery"),
    ],
)
def test_match_picks_the_right_category(engine: Engine, matcher: CategoryMatcher, text: str, expected: str) -> None:
    got = matcher.match(engine.embed([text])[0])
    assert got.name == expected, got


@pytest.mark.parametrize(
    "text", ["what a beautiful sunset over the lake tonight", "my card was charged twice", "the app crashes on login"]
)
def test_unrelated_text_matches_nothing(engine: Engine, matcher: CategoryMatcher, text: str) -> None:
    got = matcher.match(engine.embed([text])[0])
    assert got.name is None and got.score < matcher.threshold


def test_nearest_method_agrees_on_clear_cases(engine: Engine) -> None:
    nearest = CategoryMatcher(engine, CATEGORIES, threshold=0.0, method="nearest")
    assert nearest.match(engine.embed(["the delivery is two weeks late"])[0]).name == "late_delivery"


def test_category_without_examples_is_refused(engine: Engine) -> None:
    with pytest.raises(ValueError):
        CategoryMatcher(engine, {"empty": []})


def test_classify_scores_combines_everything(engine: Engine, matcher: CategoryMatcher) -> None:
    text = "my parcel is two weeks late and I want a refund or I'm calling my lawyer"
    scores = engine.predict([text])[0]
    risks = RiskModel.load().assess([text], [scores])
    result = classify_scores(scores, text, UrgencyContext(category_severity=3), matcher, risks=risks)
    assert result.category.name == "late_delivery"
    assert [r.type for r in result.serious_risks] == [RiskType.LEGAL]
    assert result.urgency.reasons[0].startswith("risk: legal action or a regulator")
    data = result.to_dict()
    assert set(data) == {"sentiment", "complaint", "urgency", "category", "risks"}
    assert data["risks"][0]["type"] == "legal" and data["risks"][0]["evidence"] == ["lawyer"]
    assert isinstance(data["complaint"]["is_complaint"], bool)


def test_classify_scores_without_matcher(engine: Engine) -> None:
    result = classify_scores(engine.predict(["hello"])[0], "hello", UrgencyContext(), None)
    assert result.category.name is None and result.risks == ()
    assert np.isfinite(result.urgency.score)
