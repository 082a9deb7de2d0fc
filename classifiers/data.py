"""Readers for the labelled data sets and the seeded held-out splits shared by training and eval.

The data live outside the product (``../shared/data`` from the project root); nothing on the serving path
imports this module.
"""

from __future__ import annotations

import csv
import json
import random
from collections import defaultdict
from collections.abc import Callable, Hashable, Sequence
from pathlib import Path
from typing import Any, TypeVar

T = TypeVar("T")

DEFAULT_DATA_DIR = Path(__file__).resolve().parents[1].parent / "shared" / "data"
SPLIT_SEED = 13  # the held-out parts of X-CI and forum urgency depend on this: do not change casually
HELD_OUT_FRACTION = 0.2


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    with path.open(encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def stratified_split(
    rows: Sequence[T], key: Callable[[T], Hashable], *, seed: int = SPLIT_SEED, fraction: float = HELD_OUT_FRACTION
) -> tuple[list[T], list[T]]:
    """Split rows into (train, held_out), holding out ``fraction`` of each stratum, deterministically."""
    strata: dict[Hashable, list[int]] = defaultdict(list)
    for i, row in enumerate(rows):
        strata[key(row)].append(i)
    rng = random.Random(seed)
    held: set[int] = set()
    for stratum in sorted(strata, key=str):
        idx = strata[stratum]
        rng.shuffle(idx)
        held.update(idx[: round(len(idx) * fraction)])
    train = [r for i, r in enumerate(rows) if i not in held]
    test = [r for i, r in enumerate(rows) if i in held]
    return train, test


def urgency_target(row: dict[str, Any]) -> float:
    """Forum urgency 1..7 rescaled to 0..1."""
    return (float(row["urgency_1_7"]) - 1.0) / 6.0


def sentiment_sets(data_dir: Path) -> tuple[list[dict[str, Any]], list[dict[str, Any]], list[dict[str, Any]]]:
    """(train pool without the validation texts, tweeteval_val, tweeteval_test)."""
    from classifiers.text import normalize

    sent = data_dir / "sentiment"
    pool = read_jsonl(sent / "semeval2013_2016_train.jsonl")
    val = read_jsonl(sent / "tweeteval_val.jsonl")
    test = read_jsonl(sent / "tweeteval_test.jsonl")
    banned = {normalize(r["text"]) for r in val} | {normalize(r["text"]) for r in test}
    pool = [r for r in pool if normalize(r["text"]) not in banned]
    return pool, val, test


def complaint_sets(data_dir: Path) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """(train, held_out) of X-CI, stratified on (complaint, severity)."""
    rows = read_jsonl(data_dir / "complaints" / "xci_train.jsonl")
    return stratified_split(rows, key=lambda r: (int(r["complaint"]), int(r["severity"])))


def urgency_sets(data_dir: Path) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """(train, held_out) of the forum-urgency posts, stratified on the rounded urgency."""
    rows = read_jsonl(data_dir / "urgency" / "forum_urgency_train.jsonl")
    return stratified_split(rows, key=lambda r: round(float(r["urgency_1_7"])))
