"""Evaluation of the shipped model on the public sets, with baselines beside each figure.

    python -m classifiers.evaluate [--data DIR] [--model-dir DIR] [--json PATH]

* sentiment: macro-averaged recall on tweeteval_test (VADER and the published TweetEval table beside it);
* complaints: F1 and severity macro-F1 on the seeded held-out 20% of X-CI (majority and keyword baselines);
* urgency: Spearman of the model's urgency head, and of ``score_urgency`` with an empty context, with the
  human forum-urgency codes on their held-out 20%;
* Banking77: few-shot accuracy of ``CategoryMatcher`` with 5/10/20 seeded examples per intent from train,
  on the full test set, for the centroid and nearest-example methods; and the "none of these" threshold
  tuned on train only.
Needs ``scipy`` (and ``vaderSentiment`` for the VADER row): the ``eval`` extra.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import time
from collections import defaultdict
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from classifiers.data import (
    DEFAULT_DATA_DIR,
    complaint_sets,
    read_csv,
    read_jsonl,
    urgency_sets,
    urgency_target,
)
from classifiers.matching import DEFAULT_THRESHOLD, CategoryMatcher
from classifiers.runtime import Engine
from classifiers.types import SENTIMENT_LABELS, UrgencyContext
from classifiers.urgency import score_urgency

PARTS = ("sentiment", "complaint", "urgency", "banking77")
PUBLISHED = {  # TweetEval sentiment, macro-averaged recall on the test set (data/README.md)
    "TimeLMs-2021": 73.7,
    "BERTweet": 73.4,
    "RoBERTa-retrained": 72.8,
    "RoBERTa-base": 71.3,
    "RoBERTa-Twitter": 69.1,
    "FastText": 62.9,
    "SVM": 62.9,
    "LSTM": 58.3,
    "VADER (recorded)": 57.0,
    "LogReg on frozen all-MiniLM-L6-v2 (recorded)": 64.3,
}
TARGETS = {"sentiment_macro_recall": 72.8, "complaint_f1": 0.85}
SHOTS = (5, 10, 20)
SAMPLE_SEED = 13
_COMPLAINT_WORDS = re.compile(
    r"\b(not|never|no|still|why|worst|terrible|awful|broken|refund|waiting|wait|cancel|fix|issue|problem|"
    r"disappointed|unacceptable|again|can't|cannot|won't|doesn't|didn't|hours?|days?|help)\b",
    re.IGNORECASE,
)


# ---------------------------------------------------------------- metrics


def macro_recall(y_true: np.ndarray, y_pred: np.ndarray, n: int) -> float:
    return float(np.mean([np.mean(y_pred[y_true == c] == c) for c in range(n) if np.any(y_true == c)]))


def f1_binary(y_true: np.ndarray, y_pred: np.ndarray) -> float:
    tp = float(np.sum((y_true == 1) & (y_pred == 1)))
    fp = float(np.sum((y_true == 0) & (y_pred == 1)))
    fn = float(np.sum((y_true == 1) & (y_pred == 0)))
    return 0.0 if tp == 0 else 2 * tp / (2 * tp + fp + fn)


def macro_f1(y_true: np.ndarray, y_pred: np.ndarray, n: int) -> float:
    present = [c for c in range(n) if np.any(y_true == c)]
    return float(np.mean([f1_binary((y_true == c).astype(int), (y_pred == c).astype(int)) for c in present]))


def spearman(a: Sequence[float] | np.ndarray, b: Sequence[float] | np.ndarray) -> float:
    from scipy.stats import spearmanr

    return float(spearmanr(a, b).statistic)


# ---------------------------------------------------------------- parts


def _vader_labels(texts: list[str]) -> np.ndarray | None:
    try:
        from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer
    except ImportError:
        return None
    analyzer = SentimentIntensityAnalyzer()
    out = []
    for text in texts:
        c = analyzer.polarity_scores(text)["compound"]
        out.append(0 if c <= -0.05 else 2 if c >= 0.05 else 1)
    return np.array(out)


def eval_sentiment(data_dir: Path, engine: Engine) -> dict[str, Any]:
    rows = read_jsonl(data_dir / "sentiment" / "tweeteval_test.jsonl")
    texts = [r["text"] for r in rows]
    y = np.array([SENTIMENT_LABELS.index(r["label"]) for r in rows])
    scores = engine.predict(texts)
    pred = np.array([SENTIMENT_LABELS.index(s.sentiment_label) for s in scores])
    vader = _vader_labels(texts)
    return {
        "n": len(rows),
        "macro_recall": 100 * macro_recall(y, pred, 3),
        "accuracy": 100 * float(np.mean(pred == y)),
        "recall_by_class": {lab: 100 * float(np.mean(pred[y == i] == i)) for i, lab in enumerate(SENTIMENT_LABELS)},
        "vader_macro_recall": 100 * macro_recall(y, vader, 3) if vader is not None else PUBLISHED["VADER (recorded)"],
        "vader_measured": vader is not None,
        "published": PUBLISHED,
    }


def eval_complaint(data_dir: Path, engine: Engine, threshold: float = 0.5) -> dict[str, Any]:
    _, held = complaint_sets(data_dir)
    y = np.array([int(r["complaint"]) for r in held])
    sev = np.array([int(r["severity"]) for r in held])
    scores = engine.predict([r["text"] for r in held])
    pred = np.array([int(s.complaint >= threshold) for s in scores])
    sev_pred = np.array([int(np.argmax(s.severity)) for s in scores])
    keyword = np.array([int(bool(_COMPLAINT_WORDS.search(r["text"]))) for r in held])
    return {
        "n": len(held),
        "f1": f1_binary(y, pred),
        "accuracy": float(np.mean(pred == y)),
        "severity_macro_f1": macro_f1(sev, sev_pred, 5),
        "severity_accuracy": float(np.mean(sev_pred == sev)),
        "baseline_majority_f1": f1_binary(y, np.zeros_like(y)),
        "baseline_all_complaint_f1": f1_binary(y, np.ones_like(y)),
        "baseline_keyword_f1": f1_binary(y, keyword),
        "baseline_majority_severity_macro_f1": macro_f1(sev, np.zeros_like(sev), 5),
    }


def eval_urgency(data_dir: Path, engine: Engine) -> dict[str, Any]:
    _, held = urgency_sets(data_dir)
    texts = [r["text"] for r in held]
    y = [urgency_target(r) for r in held]
    scores = engine.predict(texts)
    rules = [score_urgency(s, t, UrgencyContext()).score for s, t in zip(scores, texts, strict=True)]
    return {
        "n": len(held),
        "model_spearman": spearman(y, [s.urgency for s in scores]),
        "score_urgency_spearman": spearman(y, rules),
        "complaint_prob_spearman": spearman(y, [s.complaint for s in scores]),
    }


class _Precomputed:
    """An embedder backed by a table, so few-shot runs do not re-embed the same phrases."""

    def __init__(self, table: dict[str, np.ndarray]) -> None:
        self.table = table

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        return np.stack([self.table[t] for t in texts])


def _by_intent(rows: list[dict[str, str]]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = defaultdict(list)
    for r in rows:
        out[r["category"]].append(r["text"])
    return out


def eval_banking77(data_dir: Path, engine: Engine) -> dict[str, Any]:
    train = _by_intent(read_csv(data_dir / "intents" / "banking77_train.csv"))
    test = read_csv(data_dir / "intents" / "banking77_test.csv")
    rng = random.Random(SAMPLE_SEED)
    samples = {k: {name: rng.sample(texts, min(k, len(texts))) for name, texts in sorted(train.items())} for k in SHOTS}
    phrases = sorted({t for s in samples.values() for texts in s.values() for t in texts})
    table = dict(zip(phrases, engine.embed(phrases), strict=True))
    test_emb = engine.embed([r["text"] for r in test])
    truth = np.array([r["category"] for r in test])
    out: dict[str, Any] = {"n_test": len(test), "n_intents": len(train), "seed": SAMPLE_SEED}
    for method in ("centroid", "nearest"):
        for k in SHOTS:
            matcher = CategoryMatcher(_Precomputed(table), samples[k], threshold=-1.0, method=method)
            pred = np.array(matcher.names)[matcher.scores(test_emb).argmax(1)]
            out[f"{method}_{k}shot_accuracy"] = float(np.mean(pred == truth))
    out["threshold"] = tune_threshold(train, engine)
    return out


def tune_threshold(
    train: dict[str, list[str]], engine: Engine, shots: int = 10, per_intent: int = 20
) -> dict[str, Any]:
    """Pick the "none of these" threshold on Banking77 train only: half the intents are known categories
    (``shots`` examples each), queries are other train texts of known intents and texts of unknown ones."""
    rng = random.Random(SAMPLE_SEED + 1)
    names = sorted(train)
    rng.shuffle(names)
    known, unknown = names[: len(names) // 2], names[len(names) // 2 :]
    cats: dict[str, list[str]] = {}
    queries: list[str] = []
    truth: list[str | None] = []
    for name in known:
        texts = rng.sample(train[name], min(len(train[name]), shots + per_intent))
        cats[name] = texts[:shots]
        queries += texts[shots:]
        truth += [name] * len(texts[shots:])
    for name in unknown:
        texts = rng.sample(train[name], min(len(train[name]), per_intent))
        queries += texts
        truth += [None] * len(texts)
    matcher = CategoryMatcher(engine, cats, threshold=-1.0)
    sims = matcher.scores(engine.embed(queries))
    best_idx, best = sims.argmax(1), sims.max(1)
    truth_arr = np.array(truth, dtype=object)
    grid = np.round(np.arange(0.20, 0.90, 0.01), 2)
    accs = []
    for thr in grid:
        pred = np.where(best >= thr, np.array(matcher.names, dtype=object)[best_idx], None)
        accs.append(float(np.mean(pred == truth_arr)))
    i = int(np.argmax(accs))
    at_default = np.where(best >= DEFAULT_THRESHOLD, np.array(matcher.names, dtype=object)[best_idx], None)
    return {
        "best": float(grid[i]),
        "accuracy_at_best": accs[i],
        "default": DEFAULT_THRESHOLD,
        "accuracy_at_default": float(np.mean(at_default == truth_arr)),
        "accuracy_without_threshold": float(np.mean(np.array(matcher.names, dtype=object)[best_idx] == truth_arr)),
    }


def fp32_int8_agreement(data_dir: Path, fp32: Engine, int8: Engine) -> float:
    """Share of tweeteval_test texts whose sentiment label is the same under both graphs."""
    texts = [r["text"] for r in read_jsonl(data_dir / "sentiment" / "tweeteval_test.jsonl")]
    a = [s.sentiment_label for s in fp32.predict(texts)]
    b = [s.sentiment_label for s in int8.predict(texts)]
    return float(np.mean([x == y for x, y in zip(a, b, strict=True)]))


# ---------------------------------------------------------------- entry points


def run_eval(data_dir: Path, engine: Engine, parts: Sequence[str] = PARTS) -> dict[str, Any]:
    """Run the chosen parts; returns a JSON-ready dict with a ``summary`` of the headline figures."""
    data_dir = Path(data_dir)
    runners = {
        "sentiment": eval_sentiment,
        "complaint": eval_complaint,
        "urgency": eval_urgency,
        "banking77": eval_banking77,
    }
    result: dict[str, Any] = {"model": engine.info, "data_dir": str(data_dir)}
    for part in parts:
        started = time.perf_counter()
        result[part] = runners[part](data_dir, engine)
        result[part]["seconds"] = round(time.perf_counter() - started, 1)
    summary: dict[str, float] = {}
    if "sentiment" in result:
        summary["tweeteval_test_macro_recall"] = round(result["sentiment"]["macro_recall"], 2)
    if "complaint" in result:
        summary["xci_heldout_complaint_f1"] = round(result["complaint"]["f1"], 4)
        summary["xci_heldout_severity_macro_f1"] = round(result["complaint"]["severity_macro_f1"], 4)
    if "urgency" in result:
        summary["forum_heldout_urgency_spearman"] = round(result["urgency"]["model_spearman"], 4)
    if "banking77" in result:
        summary["banking77_centroid_10shot_accuracy"] = round(result["banking77"]["centroid_10shot_accuracy"], 4)
    result["summary"] = summary
    return result


def format_report(result: dict[str, Any]) -> str:
    """A plain-text report of ``run_eval``'s dict."""
    info = result.get("model", {})
    lines = [f"model {info.get('name')} {info.get('version')} ({info.get('file_bytes', 0) / 1e6:.1f} MB)"]
    if s := result.get("sentiment"):
        lines += [
            "",
            f"Sentiment, TweetEval test (n={s['n']}), macro-averaged recall:",
            f"  this model          {s['macro_recall']:5.1f}   (target {TARGETS['sentiment_macro_recall']})",
            f"  VADER               {s['vader_macro_recall']:5.1f}   "
            f"({'measured' if s['vader_measured'] else 'recorded, vaderSentiment not installed'})",
        ]
        lines += [
            f"  {name:<19} {value:5.1f}   (published)"
            for name, value in s["published"].items()
            if "recorded" not in name
        ]
        lines.append("  recall by class: " + ", ".join(f"{k} {v:.1f}" for k, v in s["recall_by_class"].items()))
    if c := result.get("complaint"):
        lines += [
            "",
            f"Complaints, X-CI held-out 20% (n={c['n']}):",
            f"  complaint F1 {c['f1']:.3f} (target {TARGETS['complaint_f1']}); baselines: keyword "
            f"{c['baseline_keyword_f1']:.3f}, all-complaint {c['baseline_all_complaint_f1']:.3f}, "
            f"majority {c['baseline_majority_f1']:.3f}",
            f"  severity macro-F1 {c['severity_macro_f1']:.3f} (majority baseline "
            f"{c['baseline_majority_severity_macro_f1']:.3f}); accuracy {c['severity_accuracy']:.3f}",
        ]
    if u := result.get("urgency"):
        lines += [
            "",
            f"Urgency, forum posts held-out 20% (n={u['n']}), Spearman with human codes:",
            f"  model urgency head {u['model_spearman']:.3f}; score_urgency (no context) "
            f"{u['score_urgency_spearman']:.3f}; complaint prob {u['complaint_prob_spearman']:.3f}",
        ]
    if b := result.get("banking77"):
        lines += ["", f"Banking77 few-shot category matching (full test n={b['n_test']}, seed {b['seed']}):"]
        for method in ("centroid", "nearest"):
            lines.append(f"  {method:<9}" + "  ".join(f"{k}-shot {b[f'{method}_{k}shot_accuracy']:.3f}" for k in SHOTS))
        t = b["threshold"]
        lines.append(
            f"  'none' threshold tuned on train: {t['best']:.2f} (accuracy with out-of-scope "
            f"{t['accuracy_at_best']:.3f}, at the default {t['default']:.2f}: {t['accuracy_at_default']:.3f}, "
            f"without: {t['accuracy_without_threshold']:.3f})"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(prog="python -m classifiers.evaluate")
    p.add_argument("--data", default=str(DEFAULT_DATA_DIR))
    p.add_argument("--model-dir", default=None)
    p.add_argument("--json", default=None)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--parts", default=",".join(PARTS))
    args = p.parse_args(argv)
    engine = Engine.load(Path(args.model_dir) if args.model_dir else None, threads=args.threads)
    result = run_eval(Path(args.data), engine, parts=args.parts.split(","))
    print(format_report(result))
    if args.json:
        Path(args.json).write_text(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
