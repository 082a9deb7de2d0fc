"""Shared pieces of risk training: window targets, class balance, calibration, thresholds and figures.

Window rule: a short text is one row with the text's labels. In a long text, a risk type the text carries is
learnt from the windows whose words carry it (or, when none does, from all its windows at a fraction of the
weight); every window is a negative for the types the text does not carry. The last output, "any serious
risk", is learnt from the windows that carry any of the text's risks.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

import numpy as np

from classifiers.risk import ANY, HEADS
from classifiers.risk_data import Example
from classifiers.risk_types import RISK_TYPES

MIN_THRESHOLD, MAX_THRESHOLD = 0.05, 0.6


def row_targets(
    examples: Sequence[Example], owner: np.ndarray, cues: list[list[bool]]
) -> tuple[np.ndarray, np.ndarray]:
    """(rows, HEADS) labels and weights following the window rule in the module doc; the last column is
    "any serious risk", learnt from the rows that carry any of the text's risks."""
    n_rows, n_types = len(owner), HEADS
    y = np.zeros((n_rows, n_types), dtype=np.float32)
    w = np.zeros((n_rows, n_types), dtype=np.float32)
    rows_of: dict[int, list[int]] = {}
    for r, i in enumerate(owner):
        rows_of.setdefault(int(i), []).append(r)
    for i, rows in rows_of.items():
        ex = examples[i]
        for t in range(n_types):
            wanted = [t] if t < ANY else [RISK_TYPES.index(r) for r in ex.risks]
            if t < ANY and RISK_TYPES[t] not in ex.risks or not wanted:
                w[rows, t] = ex.weight
                continue
            carrying = [r for r in rows if any(cues[r][k] for k in wanted)] if len(rows) > 1 else rows
            if carrying:
                y[carrying, t], w[carrying, t] = 1.0, ex.weight
            else:
                y[rows, t], w[rows, t] = 1.0, ex.weight / len(rows)
    return y, w


def balance(y: np.ndarray, w: np.ndarray) -> np.ndarray:
    """Per head, positives up-weighted by sqrt(negative weight / positive weight), at most 5x."""
    out = w.astype(np.float64).copy()
    for t in range(y.shape[1]):
        pos = float(np.sum(w[y[:, t] == 1, t]))
        neg = float(np.sum(w[y[:, t] == 0, t]))
        if pos > 0:
            out[y[:, t] == 1, t] *= min(5.0, float(np.sqrt(neg / pos)))
    return out


def platt(z: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    from scipy.optimize import minimize

    def loss(ab: np.ndarray) -> tuple[float, np.ndarray]:
        s = ab[0] * z + ab[1]
        p = 1.0 / (1.0 + np.exp(-np.clip(s, -30, 30)))
        nll = float(np.mean(np.logaddexp(0, s) - y * s))
        return nll, np.array([np.mean((p - y) * z), np.mean(p - y)])

    a, b = minimize(loss, np.array([1.0, 0.0]), jac=True, method="L-BFGS-B").x
    return float(a), float(b)


def platt_length(z: np.ndarray, log_n: np.ndarray, y: np.ndarray) -> tuple[float, float, float]:
    """Platt scaling with the log of each text's number of windows as a second input: p = sigmoid(a z + b + c
    log n). The maximum over many windows runs higher by chance alone; ``c`` takes that back out."""
    from scipy.optimize import minimize

    def loss(abc: np.ndarray) -> tuple[float, np.ndarray]:
        s = abc[0] * z + abc[1] + abc[2] * log_n
        p = 1.0 / (1.0 + np.exp(-np.clip(s, -30, 30)))
        nll = float(np.mean(np.logaddexp(0, s) - y * s))
        return nll, np.array([np.mean((p - y) * z), np.mean(p - y), np.mean((p - y) * log_n)])

    a, b, c = minimize(loss, np.array([1.0, 0.0, 0.0]), jac=True, method="L-BFGS-B").x
    return float(a), float(b), float(c)


def choose_threshold(p: np.ndarray, y: np.ndarray, target: float) -> float:
    """The highest threshold in [MIN_THRESHOLD, MAX_THRESHOLD] whose recall on positives reaches ``target``."""
    pos = np.sort(p[y == 1])
    if len(pos) == 0:
        return MAX_THRESHOLD
    allowed_misses = int(np.floor((1 - target) * len(pos)))
    return float(np.clip(pos[allowed_misses] - 1e-6, MIN_THRESHOLD, MAX_THRESHOLD))


def threshold_for_false_alarms(p: np.ndarray, y: np.ndarray, budget: float) -> float:
    """The lowest threshold in [MIN_THRESHOLD, MAX_THRESHOLD] at which at most ``budget`` of the negatives reach it."""
    neg = np.sort(p[y == 0])[::-1]
    if len(neg) == 0:
        return MIN_THRESHOLD
    allowed = int(np.floor(budget * len(neg)))
    return float(np.clip(neg[allowed] + 1e-6 if allowed < len(neg) else MIN_THRESHOLD, MIN_THRESHOLD, MAX_THRESHOLD))


def text_labels(examples: Sequence[Example]) -> np.ndarray:
    return np.array([[r in ex.risks for r in RISK_TYPES] + [bool(ex.risks)] for ex in examples], dtype=np.float64)


def data_counts(examples: Sequence[Example]) -> dict[str, object]:
    by_origin = Counter(ex.origin.split(":")[0] for ex in examples)
    by_type = Counter(r.value for ex in examples for r in ex.risks)
    return {
        "texts": len(examples),
        "with_risk": sum(1 for ex in examples if ex.risks),
        "by_origin": dict(sorted(by_origin.items())),
        "by_type": dict(sorted(by_type.items())),
    }


def oof_figures(
    p: np.ndarray, labels: np.ndarray, thresholds: np.ndarray, long: np.ndarray | None = None
) -> dict[str, object]:
    """Out-of-fold figures; ``thresholds`` is (HEADS,) or one row per text, ``long`` marks the texts of several
    windows (their false alarms are reported apart)."""
    thresholds = np.broadcast_to(thresholds, p.shape)
    escalate = np.any(p >= thresholds, axis=1)
    serious = labels[:, ANY] == 1
    per_type = {
        r.value: round(float(np.mean(p[labels[:, t] == 1, t] >= thresholds[labels[:, t] == 1, t])), 4)
        for t, r in enumerate(RISK_TYPES)
        if np.any(labels[:, t] == 1)
    }
    per_type_escalated = {
        r.value: round(float(np.mean(escalate[labels[:, t] == 1])), 4)
        for t, r in enumerate(RISK_TYPES)
        if np.any(labels[:, t] == 1)
    }
    out: dict[str, object] = {
        "escalation_recall": round(float(np.mean(escalate[serious])), 4),
        "false_alarm_rate": round(float(np.mean(escalate[~serious])), 4),
    }
    if long is not None:
        for name, group in (("one_window", ~long), ("several_windows", long)):
            if np.any(group & serious):
                out[f"escalation_recall_{name}"] = round(float(np.mean(escalate[group & serious])), 4)
            if np.any(group & ~serious):
                out[f"false_alarm_rate_{name}"] = round(float(np.mean(escalate[group & ~serious])), 4)
    return {**out, "type_head_recall": per_type, "escalated_by_type": per_type_escalated}
