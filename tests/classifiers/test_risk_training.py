"""The pure numpy pieces of risk training, on small arrays whose right answers follow from the definitions."""

from __future__ import annotations

import numpy as np
import pytest

from classifiers.risk import ANY, HEADS
from classifiers.risk_data import Example
from classifiers.risk_training import (
    MAX_THRESHOLD,
    MIN_THRESHOLD,
    balance,
    choose_threshold,
    data_counts,
    oof_figures,
    platt,
    row_targets,
    text_labels,
    threshold_for_false_alarms,
)
from classifiers.risk_types import RISK_TYPES, RiskType

INJURY = RISK_TYPES.index(RiskType.INJURY)
LEGAL = RISK_TYPES.index(RiskType.LEGAL)
FRAUD = RISK_TYPES.index(RiskType.FRAUD_MONEY)
PRESS = RISK_TYPES.index(RiskType.PRESS_VIRAL)


def _cues(*types: int) -> list[bool]:
    return [k in types for k in range(len(RISK_TYPES))]


# --- row_targets -----------------------------------------------------------------------------------------------


@pytest.fixture
def window_rows() -> tuple[np.ndarray, np.ndarray]:
    examples = [
        Example("short injury", frozenset({RiskType.INJURY}), weight=2.0),  # one row
        Example("long legal", frozenset({RiskType.LEGAL})),  # rows 1-3, only row 2 carries a legal cue
        Example("long fraud, no cue", frozenset({RiskType.FRAUD_MONEY})),  # rows 4-5, no window carries a cue
        Example("harmless", frozenset()),  # row 6
    ]
    owner = np.array([0, 1, 1, 1, 2, 2, 3])
    cues = [
        _cues(),
        _cues(INJURY),  # a cue for a type the text does not carry
        _cues(LEGAL),
        _cues(),
        _cues(),
        _cues(),
        _cues(PRESS),  # a harmless text whose words look alarming
    ]
    return row_targets(examples, owner, cues)


def test_row_targets_shape_and_dtype(window_rows: tuple[np.ndarray, np.ndarray]) -> None:
    y, w = window_rows
    assert y.shape == w.shape == (7, HEADS)
    assert y.dtype == w.dtype == np.float32
    assert set(np.unique(y)) <= {0.0, 1.0}


def test_a_short_text_is_one_row_with_its_labels_and_weight(window_rows: tuple[np.ndarray, np.ndarray]) -> None:
    y, w = window_rows
    expected = np.zeros(HEADS)
    expected[INJURY] = expected[ANY] = 1.0
    np.testing.assert_array_equal(y[0], expected)
    np.testing.assert_array_equal(w[0], np.full(HEADS, 2.0))


def test_a_long_text_learns_its_risk_from_the_windows_that_carry_it(window_rows: tuple[np.ndarray, np.ndarray]) -> None:
    y, w = window_rows
    # the legal head: the carrying window is a positive, the other windows of the same text are left out
    np.testing.assert_array_equal(y[1:4, LEGAL], [0, 1, 0])
    np.testing.assert_array_equal(w[1:4, LEGAL], [0, 1, 0])
    # "any serious risk" follows the text's own risks only: row 1's injury cue does not make it a positive
    np.testing.assert_array_equal(y[1:4, ANY], [0, 1, 0])
    np.testing.assert_array_equal(w[1:4, ANY], [0, 1, 0])
    # every window is a full-weight negative for the types the text does not carry, cue or not
    others = [t for t in range(ANY) if t != LEGAL]
    assert not y[1:4, others].any()
    np.testing.assert_array_equal(w[1:4, others], np.ones((3, len(others))))


def test_without_a_carrying_window_every_window_is_a_positive_at_a_fraction_of_the_weight(
    window_rows: tuple[np.ndarray, np.ndarray],
) -> None:
    y, w = window_rows
    for t in (FRAUD, ANY):
        np.testing.assert_array_equal(y[4:6, t], [1, 1])
        np.testing.assert_allclose(w[4:6, t], [0.5, 0.5])


def test_a_harmless_text_is_a_negative_everywhere(window_rows: tuple[np.ndarray, np.ndarray]) -> None:
    y, w = window_rows
    assert not y[6].any()
    np.testing.assert_array_equal(w[6], np.ones(HEADS))


# --- balance ---------------------------------------------------------------------------------------------------


def test_balance_up_weights_positives_by_the_square_root_of_the_ratio_capped_at_five() -> None:
    y = np.zeros((102, HEADS), dtype=np.float32)
    w = np.ones((102, HEADS), dtype=np.float32)
    y[0, 0] = 1.0  # 1 positive against 101 negatives: sqrt(101) > 5, capped
    y[:2, 1] = 1.0
    w[2:10, 1] = 1.0
    w[10:, 1] = 0.0  # 2 positives against 8 (weighted) negatives: factor 2
    # column 2 has no positive at all
    out = balance(y, w)
    assert out.dtype == np.float64
    assert out[0, 0] == pytest.approx(5.0)
    np.testing.assert_allclose(out[:2, 1], [2.0, 2.0])
    np.testing.assert_array_equal(out[:, 2], w[:, 2])
    np.testing.assert_array_equal(out[y == 0], w[y == 0])  # negatives are never re-weighted
    assert w[0, 0] == 1.0  # the input is not modified


def test_balance_never_down_weights_a_majority_of_positives() -> None:
    y = np.ones((4, 1), dtype=np.float32)
    y[3, 0] = 0.0
    w = np.ones((4, 1), dtype=np.float32)
    np.testing.assert_allclose(balance(y, w)[:, 0], [np.sqrt(1 / 3)] * 3 + [1.0])


# --- platt -----------------------------------------------------------------------------------------------------


def test_platt_recovers_a_known_logistic_relation() -> None:
    rng = np.random.default_rng(7)
    z = rng.normal(size=20_000)
    y = (rng.random(z.size) < 1 / (1 + np.exp(-(2.0 * z - 1.0)))).astype(np.float64)
    a, b = platt(z, y)
    assert a == pytest.approx(2.0, abs=0.15)
    assert b == pytest.approx(-1.0, abs=0.1)


def test_platt_slope_follows_the_direction_of_the_scores() -> None:
    z = np.array([-2.0, -1.5, -1.0, 1.0, 1.5, 2.0])
    y = np.array([0.0, 0.0, 0.0, 1.0, 1.0, 1.0])
    a, b = platt(z, y)
    assert a > 1.0  # separable scores: calibration sharpens them
    assert isinstance(a, float) and isinstance(b, float)
    a_flipped, _ = platt(-z, y)
    assert a_flipped < -1.0


# --- choose_threshold ------------------------------------------------------------------------------------------


def _recall(p: np.ndarray, y: np.ndarray, threshold: float) -> float:
    return float(np.mean(p[y == 1] >= threshold))


def test_choose_threshold_is_the_highest_that_reaches_the_target_recall() -> None:
    p = np.array([0.1, 0.2, 0.3, 0.4, 0.55, 0.58])
    y = np.array([1, 1, 1, 1, 0, 0])
    t = choose_threshold(p, y, 0.75)  # 4 positives: one may be missed
    assert _recall(p, y, t) == 0.75
    assert _recall(p, y, t + 2e-6) < 0.75  # any higher and the target is missed
    assert t == pytest.approx(0.2, abs=1e-5)
    assert choose_threshold(p, y, 1.0) == pytest.approx(0.1, abs=1e-5)


def test_choose_threshold_ignores_the_negatives() -> None:
    p = np.array([0.1, 0.2, 0.3, 0.4, 0.55, 0.58])
    y = np.array([1, 1, 1, 1, 0, 0])
    p_other = p.copy()
    p_other[y == 0] = [0.06, 0.07]
    assert choose_threshold(p, y, 0.75) == choose_threshold(p_other, y, 0.75)


@pytest.mark.parametrize("target", [0.5, 0.8, 0.9, 0.95])
def test_choose_threshold_always_reaches_the_target_inside_the_range(target: float) -> None:
    rng = np.random.default_rng(3)
    p = rng.uniform(0.1, 0.55, size=200)
    y = (rng.random(200) < 0.4).astype(int)
    t = choose_threshold(p, y, target)
    assert MIN_THRESHOLD <= t <= MAX_THRESHOLD
    assert _recall(p, y, t) >= target


def test_choose_threshold_stays_in_its_range() -> None:
    y = np.array([1, 1, 1])
    assert choose_threshold(np.array([0.9, 0.95, 0.99]), y, 0.9) == MAX_THRESHOLD
    assert choose_threshold(np.array([0.001, 0.002, 0.003]), y, 0.9) == MIN_THRESHOLD
    assert choose_threshold(np.array([0.3, 0.4]), np.array([0, 0]), 0.9) == MAX_THRESHOLD  # no positives


# --- threshold_for_false_alarms --------------------------------------------------------------------------------


def _false_alarms(p: np.ndarray, y: np.ndarray, threshold: float) -> float:
    return float(np.mean(p[y == 0] >= threshold))


def test_threshold_for_false_alarms_is_the_lowest_within_the_budget() -> None:
    p = np.array([0.1, 0.2, 0.3, 0.4, 0.5, 0.59])
    y = np.array([0, 0, 0, 0, 0, 1])
    t = threshold_for_false_alarms(p, y, 0.2)  # 5 negatives: one may reach the threshold
    assert t == pytest.approx(0.4, abs=1e-5)
    assert _false_alarms(p, y, t) == 0.2
    assert _false_alarms(p, y, t - 2e-6) > 0.2  # any lower and the budget is exceeded
    assert _false_alarms(p, y, threshold_for_false_alarms(p, y, 0.0)) == 0.0


def test_threshold_for_false_alarms_counts_ties_against_the_budget() -> None:
    p = np.array([0.3, 0.3, 0.3, 0.1])
    y = np.zeros(4, dtype=int)
    t = threshold_for_false_alarms(p, y, 0.5)
    assert _false_alarms(p, y, t) <= 0.5


@pytest.mark.parametrize("budget", [0.0, 0.05, 0.1, 0.25])
def test_threshold_for_false_alarms_keeps_within_the_budget_inside_the_range(budget: float) -> None:
    rng = np.random.default_rng(5)
    p = rng.uniform(0.0, 0.55, size=300)
    y = (rng.random(300) < 0.3).astype(int)
    t = threshold_for_false_alarms(p, y, budget)
    assert MIN_THRESHOLD <= t <= MAX_THRESHOLD
    assert _false_alarms(p, y, t) <= budget


def test_threshold_for_false_alarms_edges() -> None:
    p = np.array([0.2, 0.3])
    assert threshold_for_false_alarms(p, np.array([1, 1]), 0.1) == MIN_THRESHOLD  # no negatives
    assert threshold_for_false_alarms(p, np.array([0, 0]), 1.0) == MIN_THRESHOLD  # every negative may alarm
    assert threshold_for_false_alarms(np.array([0.9, 0.8]), np.array([0, 0]), 0.0) == MAX_THRESHOLD
    assert threshold_for_false_alarms(np.array([0.01, 0.02]), np.array([0, 0]), 0.0) == MIN_THRESHOLD


# --- text_labels / data_counts ---------------------------------------------------------------------------------


EXAMPLES = [
    Example("a", frozenset({RiskType.INJURY, RiskType.LEGAL}), origin="written:injury"),
    Example("b", frozenset(), origin="written:negatives"),
    Example("c", frozenset({RiskType.LEGAL}), origin="shared:sentiment/x.jsonl"),
    Example("d", frozenset(), origin="easy:support/y.csv"),
    Example("e", frozenset({RiskType.FRAUD_MONEY}), weight=3.0, origin="correction"),
]


def test_text_labels_one_column_per_type_then_any() -> None:
    labels = text_labels(EXAMPLES)
    assert labels.shape == (5, HEADS) and labels.dtype == np.float64
    expected = np.zeros((5, HEADS))
    expected[0, [INJURY, LEGAL, ANY]] = 1
    expected[2, [LEGAL, ANY]] = 1
    expected[4, [FRAUD, ANY]] = 1
    np.testing.assert_array_equal(labels, expected)


def test_data_counts() -> None:
    assert data_counts(EXAMPLES) == {
        "texts": 5,
        "with_risk": 3,
        "by_origin": {"correction": 1, "easy": 1, "shared": 1, "written": 2},
        "by_type": {"fraud_money": 1, "injury": 1, "legal": 2},
    }
    by_type = data_counts(EXAMPLES)["by_type"]
    assert isinstance(by_type, dict) and list(by_type) == ["fraud_money", "injury", "legal"]  # sorted by name
    assert data_counts([]) == {"texts": 0, "with_risk": 0, "by_origin": {}, "by_type": {}}


# --- oof_figures -----------------------------------------------------------------------------------------------


def test_oof_figures() -> None:
    labels = text_labels(
        [
            Example("hurt", frozenset({RiskType.INJURY})),
            Example("lawyer, any head", frozenset({RiskType.LEGAL})),
            Example("lawyer, missed", frozenset({RiskType.LEGAL})),
            Example("joke", frozenset()),
            Example("thanks", frozenset()),
        ]
    )
    p = np.zeros((5, HEADS))
    p[0, INJURY] = 0.9  # escalated by its own head
    p[1, ANY] = 0.8  # escalated by "any serious risk" while the legal head stays low
    p[1, LEGAL] = 0.3
    p[3, PRESS] = 0.7  # a false alarm
    p[4, :] = 0.49  # just under every threshold
    figures = oof_figures(p, labels, np.full(HEADS, 0.5))
    assert figures == {
        "escalation_recall": round(2 / 3, 4),
        "false_alarm_rate": 0.5,
        "type_head_recall": {"injury": 1.0, "legal": 0.0},
        "escalated_by_type": {"injury": 1.0, "legal": 0.5},
    }


def test_oof_figures_use_each_heads_own_threshold() -> None:
    labels = text_labels([Example("hurt", frozenset({RiskType.INJURY})), Example("fine", frozenset())])
    p = np.full((2, HEADS), 0.3)
    thresholds = np.full(HEADS, 0.5)
    assert oof_figures(p, labels, thresholds)["escalation_recall"] == 0.0
    thresholds[INJURY] = 0.3  # a reached threshold counts (>=)
    figures = oof_figures(p, labels, thresholds)
    assert figures["escalation_recall"] == 1.0 and figures["type_head_recall"] == {"injury": 1.0}
    assert figures["false_alarm_rate"] == 1.0  # the harmless text reaches the lowered injury threshold too
