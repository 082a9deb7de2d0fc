"""Train the risk head (``classifiers/models/risk.npz``) on top of the shipped encoder.

    python -m classifiers.train_risk [--data DIR] [--corrections FILE] [--out DIR] [--folds 5] [--bag N]
        [--length-calibration] [--length-thresholds]

1. Examples (``classifiers.risk_data``) are cut into windows and run through the shipped encoder once.
2. Window rows and their targets follow ``classifiers.risk_training`` (in a long text a risk is learnt from the
   windows whose words carry it).
3. One shared ReLU layer and one sigmoid output per type plus "any serious risk", trained jointly with L2
   (L-BFGS), positives up-weighted by sqrt(neg/pos) per output. ``--bag N`` trains N such networks from
   different seeds and averages their raw scores (one network whose hidden layer holds all of theirs).
4. Out-of-fold text scores (max over windows, ``--folds`` folds by text) give each output's Platt calibration and
   threshold: for "any", the lowest threshold whose out-of-fold false alarms stay within
   ``--false-alarm-budget``; for each type, the highest whose out-of-fold recall reaches ``--type-recall`` (a
   type output alone escalates only when it is sure; "any" decides the rest). ``--length-calibration`` adds
   log(number of windows) as a second Platt input; ``--length-thresholds`` chooses the thresholds of texts of
   one window and of several windows apart, each at the same budget and recall but never below the threshold
   chosen on all texts (the maximum over many windows runs higher by chance alone, so one threshold for all
   lengths escalates more long harmless texts; a group within budget keeps the all-length threshold).
5. The final fit uses every example; the card (``risk.json``) records data counts and out-of-fold figures.

Chosen on the development half of ``evalsets/escalation.jsonl`` (odd ids) against a fine-tuned MiniLM risk
encoder: that encoder reached 97.7% recall at 2.9% false alarms on its own held-out training texts but only 75%
at 5% on texts written by someone else; this head, on the frozen encoder, generalised better (see
``bench/RESULTS_risk.md``).

Needs numpy and scipy (the ``train`` extra); the encoder runs with onnxruntime as in serving.
"""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from classifiers.data import DEFAULT_DATA_DIR
from classifiers.risk import ANY, EMBEDDING_SCALE, HEADS, MODELS_DIR, SIDE_FEATURES, RiskModel, window_features
from classifiers.risk_data import Example, read_corrections_file, training_examples
from classifiers.risk_training import (
    balance,
    choose_threshold,
    data_counts,
    oof_figures,
    platt,
    platt_length,
    row_targets,
    text_labels,
    threshold_for_false_alarms,
)
from classifiers.risk_types import RISK_TYPES
from classifiers.runtime import Engine
from classifiers.windows import split_windows

VERSION = "1.0.0"
OUTPUT_NAMES = (*(r.value for r in RISK_TYPES), "any")


def featurize(engine: Engine, examples: Sequence[Example]) -> tuple[np.ndarray, np.ndarray, list[list[bool]]]:
    """(rows, n_features) features, the example index of each row, and per row which types' cues it has."""
    windows = [split_windows(ex.text) for ex in examples]
    flat = [w for ws in windows for w in ws]
    owner = np.array([i for i, ws in enumerate(windows) for _ in ws])
    scores = []
    for start in range(0, len(flat), 512):
        scores.extend(engine.predict(flat[start : start + 512]))
    feats, cues = [], []
    for w, s in zip(flat, scores, strict=True):
        f, hits = window_features(w, s)
        feats.append(f)
        cues.append([r in hits.by_type for r in RISK_TYPES])
    return np.stack(feats), owner, cues


def fit_mlp(
    x: np.ndarray, y: np.ndarray, w: np.ndarray, l2: float, hidden: int, seed: int = 13, iters: int = 400
) -> dict[str, np.ndarray]:
    """One shared ReLU layer and one sigmoid output per head, trained jointly (L-BFGS): the types share what
    tells a literal report from a figure of speech, which matters most for the types with few examples."""
    from scipy.optimize import minimize

    x64, y64 = x.astype(np.float64), y.astype(np.float64)
    wb = balance(y, w)
    total = wb.sum(0).clip(min=1e-9)  # each head's loss is a weighted mean: heads count equally
    n_feat, n_out = x.shape[1], y.shape[1]
    rng = np.random.default_rng(seed)
    shapes = [(hidden, n_feat), (hidden,), (n_out, hidden), (n_out,)]
    sizes = [int(np.prod(sh)) for sh in shapes]

    def unpack(theta: np.ndarray) -> list[np.ndarray]:
        parts, start = [], 0
        for sh, size in zip(shapes, sizes, strict=True):
            parts.append(theta[start : start + size].reshape(sh))
            start += size
        return parts

    def loss(theta: np.ndarray) -> tuple[float, np.ndarray]:
        w1, b1, w2, b2 = unpack(theta)
        pre = x64 @ w1.T + b1
        h = np.maximum(pre, 0)
        z = h @ w2.T + b2
        p = 1.0 / (1.0 + np.exp(-np.clip(z, -30, 30)))
        nll = float(np.sum(wb * (np.logaddexp(0, z) - y64 * z) / total))
        dz = wb * (p - y64) / total
        gw2 = dz.T @ h + l2 * w2
        gb2 = dz.sum(0)
        dh = (dz @ w2) * (pre > 0)
        gw1 = dh.T @ x64 + l2 * w1
        gb1 = dh.sum(0)
        reg = 0.5 * l2 * (float(np.sum(w1 * w1)) + float(np.sum(w2 * w2)))
        return nll + reg, np.concatenate([g.ravel() for g in (gw1, gb1, gw2, gb2)])

    init = np.concatenate(
        [
            rng.normal(0, np.sqrt(2.0 / n_feat), sizes[0]),
            np.zeros(sizes[1]),
            rng.normal(0, np.sqrt(1.0 / hidden), sizes[2]),
            np.zeros(sizes[3]),
        ]
    )
    result = minimize(loss, init, jac=True, method="L-BFGS-B", options={"maxiter": iters})
    w1, b1, w2, b2 = unpack(result.x)
    return {"w1": w1, "b1": b1, "weights": w2, "bias": b2}


def merge_bag(members: Sequence[dict[str, np.ndarray]]) -> dict[str, np.ndarray]:
    """One network whose raw scores are the mean of the members' (their hidden layers side by side)."""
    k = len(members)
    return {
        "w1": np.concatenate([m["w1"] for m in members]),
        "b1": np.concatenate([m["b1"] for m in members]),
        "weights": np.concatenate([m["weights"] for m in members], axis=1) / k,
        "bias": np.mean([m["bias"] for m in members], axis=0),
    }


def fit_bag(
    x: np.ndarray, y: np.ndarray, w: np.ndarray, l2: float, hidden: int, seeds: Sequence[int]
) -> dict[str, np.ndarray]:
    """``fit_mlp`` once per seed, merged (one seed: that network as it is)."""
    members = [fit_mlp(x, y, w, l2, hidden, seed=s) for s in seeds]
    return members[0] if len(members) == 1 else merge_bag(members)


def text_max(values: np.ndarray, owner: np.ndarray, n: int) -> np.ndarray:
    """(n_texts, n_types) max over each text's window rows."""
    out = np.full((n, values.shape[1]), -np.inf, dtype=np.float64)
    np.maximum.at(out, owner, values)
    return out


def train(
    engine: Engine,
    examples: Sequence[Example],
    *,
    folds: int = 5,
    l2: float = 1e-3,
    false_alarm_budget: float = 0.04,
    type_recall: float = 0.6,
    hidden: int = 128,
    seed: int = 13,
    bag: int = 1,
    length_calibration: bool = False,
    length_thresholds: bool = False,
) -> RiskModel:
    started = time.monotonic()
    x, owner, cues = featurize(engine, examples)
    return train_on_features(
        examples,
        x,
        owner,
        cues,
        started=started,
        encoder=engine.info.get("version"),
        folds=folds,
        l2=l2,
        false_alarm_budget=false_alarm_budget,
        type_recall=type_recall,
        hidden=hidden,
        seed=seed,
        bag=bag,
        length_calibration=length_calibration,
        length_thresholds=length_thresholds,
    )


def _choose_thresholds(p: np.ndarray, labels: np.ndarray, type_recall: float, budget: float) -> np.ndarray:
    return np.array(
        [choose_threshold(p[:, t], labels[:, t], type_recall) for t in range(ANY)]
        + [threshold_for_false_alarms(p[:, ANY], labels[:, ANY], budget)],
        dtype=np.float32,
    )


def train_on_features(
    examples: Sequence[Example],
    x: np.ndarray,
    owner: np.ndarray,
    cues: list[list[bool]],
    *,
    started: float | None = None,
    encoder: object = None,
    folds: int = 5,
    l2: float = 1e-3,
    false_alarm_budget: float = 0.04,
    type_recall: float = 0.6,
    hidden: int = 128,
    seed: int = 13,
    bag: int = 1,
    length_calibration: bool = False,
    length_thresholds: bool = False,
) -> RiskModel:
    """``train`` after featurizing: window rows ``x``, the example each row belongs to, and its cue types."""
    started = time.monotonic() if started is None else started
    y, w = row_targets(examples, owner, cues)
    n = len(examples)
    labels = text_labels(examples)
    seeds = [seed + i for i in range(bag)]
    rng = np.random.default_rng(seed)
    fold_of = rng.integers(0, folds, size=n)
    oof = np.zeros((n, HEADS))
    for k in range(folds):
        train_rows = fold_of[owner] != k
        params = fit_bag(x[train_rows], y[train_rows], w[train_rows], l2, hidden, seeds)
        fold_model = RiskModel.from_params(params, *_neutral())
        oof[fold_of == k] = text_max(fold_model.logits(x), owner, n)[fold_of == k]
    log_n = np.log(np.bincount(owner, minlength=n).clip(min=1))[:, None]
    long = log_n[:, 0] > 0
    if length_calibration:
        calib = np.array([platt_length(oof[:, t], log_n[:, 0], labels[:, t]) for t in range(HEADS)])
    else:
        calib = np.array([(*platt(oof[:, t], labels[:, t]), 0.0) for t in range(HEADS)])
    calib = calib.astype(np.float32)
    p_oof = 1.0 / (1.0 + np.exp(-(calib[:, 0] * oof + calib[:, 1] + calib[:, 2] * log_n)))
    thresholds = thresholds_long = _choose_thresholds(p_oof, labels, type_recall, false_alarm_budget)
    if length_thresholds:  # each length group at the same budget and recall, never below the all-length choice
        single = _choose_thresholds(p_oof[~long], labels[~long], type_recall, false_alarm_budget)
        several = _choose_thresholds(p_oof[long], labels[long], type_recall, false_alarm_budget)
        thresholds, thresholds_long = np.maximum(thresholds, single), np.maximum(thresholds, several)
    params = fit_bag(x, y, w, l2, hidden, seeds)
    card = {
        "name": "rrbot-risk-head",
        "version": VERSION,
        "features": [f"embedding:384 x {EMBEDDING_SCALE}", *SIDE_FEATURES],
        "encoder": encoder,
        "l2": l2,
        "hidden": hidden,
        **({"bag": bag, "seeds": seeds} if bag > 1 else {}),
        "false_alarm_budget": false_alarm_budget,
        "type_recall": type_recall,
        "thresholds": _named(thresholds),
        **({"thresholds_several_windows": _named(thresholds_long)} if length_thresholds else {}),
        **(
            {"length_calibration": _named(calib[:, 2])}  # slope on log(number of windows) per output
            if length_calibration
            else {}
        ),
        "data": data_counts(examples),
        "out_of_fold": oof_figures(p_oof, labels, np.where(long[:, None], thresholds_long, thresholds), long),
        "seconds": round(time.monotonic() - started, 1),
    }
    return RiskModel.from_params(params, calib, thresholds, card, thresholds_long)


def _named(values: np.ndarray) -> dict[str, float]:
    return dict(zip(OUTPUT_NAMES, (round(float(t), 4) for t in values), strict=True))


def _neutral() -> tuple[np.ndarray, np.ndarray]:
    """Calibration that leaves raw logits alone, and thresholds at 0.5 (for out-of-fold fits)."""
    return np.tile(np.array([1.0, 0.0], dtype=np.float32), (HEADS, 1)), np.full(HEADS, 0.5, dtype=np.float32)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA_DIR)
    parser.add_argument("--corrections", type=Path, help='JSON lines {"text", "risks"} of people\'s corrections')
    parser.add_argument("--out", type=Path, default=MODELS_DIR)
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--l2", type=float, default=1e-3)
    parser.add_argument(
        "--false-alarm-budget", type=float, default=0.04, help="out-of-fold false alarms the 'any' threshold allows"
    )
    parser.add_argument("--type-recall", type=float, default=0.6, help="each type head's out-of-fold recall")
    parser.add_argument("--hidden", type=int, default=128, help="shared hidden units")
    parser.add_argument("--bag", type=int, default=1, help="networks from different seeds, their scores averaged")
    parser.add_argument(
        "--length-calibration", action="store_true", help="log(number of windows) as a second Platt input"
    )
    parser.add_argument(
        "--length-thresholds", action="store_true", help="thresholds of their own for texts of several windows"
    )
    parser.add_argument("--easy-negatives", type=int, default=3000)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args(argv)
    corrections = read_corrections_file(args.corrections) if args.corrections else []
    examples = training_examples(args.data, corrections, easy_negatives=args.easy_negatives)
    engine = Engine.load(threads=args.threads)
    model = train(
        engine,
        examples,
        folds=args.folds,
        l2=args.l2,
        false_alarm_budget=args.false_alarm_budget,
        type_recall=args.type_recall,
        hidden=args.hidden,
        bag=args.bag,
        length_calibration=args.length_calibration,
        length_thresholds=args.length_thresholds,
    )
    model.save(args.out)
    print(json.dumps(model.card, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
