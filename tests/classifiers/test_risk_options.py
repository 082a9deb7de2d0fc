"""The risk head's training options (off by default): length-aware calibration, length thresholds, bagging."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from classifiers.risk import HEADS, RiskModel
from classifiers.risk_training import platt, platt_length
from classifiers.train_risk import merge_bag


def _model(calib: np.ndarray, thresholds_long: np.ndarray | None = None, seed: int = 0) -> RiskModel:
    rng = np.random.default_rng(seed)
    w1, b1 = rng.normal(size=(8, 400)), rng.normal(size=8)
    return RiskModel(
        w1, b1, rng.normal(size=(HEADS, 8)), rng.normal(size=HEADS), calib, np.full(HEADS, 0.5), {}, thresholds_long
    )


def test_two_column_calibration_is_the_shipped_behaviour_and_saves_in_the_old_layout(tmp_path: Path) -> None:
    calib = np.tile([1.5, -0.5], (HEADS, 1))
    m = _model(calib)
    x = np.random.default_rng(1).normal(size=(5, 400)).astype(np.float32) * 0.01
    z = m.logits(x)
    assert not m.length_aware
    assert np.allclose(m.probabilities(x), 1 / (1 + np.exp(-(1.5 * z - 0.5))), atol=1e-6)
    assert np.allclose(m.probabilities(x, 7), m.probabilities(x))  # no length term: windows do not matter
    m.save(tmp_path)
    with np.load(tmp_path / "risk.npz") as data:
        assert sorted(data.files) == ["b1", "bias", "calib", "thresholds", "w1", "weights"]
        assert data["calib"].shape == (HEADS, 2)


def test_length_term_lowers_long_texts_and_round_trips(tmp_path: Path) -> None:
    calib = np.tile([1.0, 0.0, -1.0], (HEADS, 1))
    m = _model(calib, np.full(HEADS, 0.6))
    x = np.random.default_rng(2).normal(size=(5, 400)).astype(np.float32) * 0.01
    assert m.length_aware
    assert np.all(m.probabilities(x, 4) < m.probabilities(x, 1))
    assert np.allclose(m.probabilities(x, 1), m.probabilities(x))
    m.save(tmp_path)
    again = RiskModel.load(tmp_path)
    assert np.allclose(again.probabilities(x, 4), m.probabilities(x, 4))
    assert np.allclose(again.thresholds_long, 0.6) and np.allclose(again.thresholds, 0.5)


def test_platt_length_finds_the_length_slope_and_reduces_to_platt_without_it() -> None:
    rng = np.random.default_rng(3)
    z = rng.normal(size=20000)
    log_n = np.log(rng.integers(1, 8, size=20000))
    y = (rng.random(20000) < 1 / (1 + np.exp(-(2.0 * z + 0.5 - 1.0 * log_n)))).astype(float)
    a, b, c = platt_length(z, log_n, y)
    assert abs(a - 2.0) < 0.15 and abs(b - 0.5) < 0.15 and abs(c + 1.0) < 0.15
    a0, b0, c0 = platt_length(z, np.zeros_like(z), y)
    assert abs(c0) < 1e-6 and np.allclose((a0, b0), platt(z, y), atol=1e-3)


def test_a_bag_is_one_network_whose_scores_are_the_mean_of_its_members() -> None:
    members = [_model(np.tile([1.0, 0.0], (HEADS, 1)), seed=s) for s in range(3)]
    params = [{"w1": m.w1, "b1": m.b1, "weights": m.weights, "bias": m.bias} for m in members]
    bag = RiskModel.from_params(merge_bag(params), np.tile([1.0, 0.0], (HEADS, 1)), np.full(HEADS, 0.5))
    x = np.random.default_rng(4).normal(size=(6, 400)).astype(np.float32)
    assert bag.w1.shape == (24, 400)
    assert np.allclose(bag.logits(x), np.mean([m.logits(x) for m in members], axis=0), atol=1e-4)
