"""The risk head's training examples: written examples, labels on real public texts, easy negatives from the
shared sets, and people's corrections. Nothing on the serving path imports this module.

* ``training_data/risk/*.jsonl`` (``{"text", "risks"}``): examples written for the taxonomy in
  ``training_data/risk/TAXONOMY.md``, positives and hard negatives (figurative words, jokes, ordinary complaints).
* ``training_data/risk/shared_labels.jsonl`` (``{"file", "id", "risks"}``): risk labels on real texts of
  ``../shared/data`` that contain alarming words; the texts are read from there, never copied in.
* easy negatives: a seeded sample of shared texts in which the lexicon finds no cue at all.
* corrections: "Wrong?" risk corrections from the service's database (``rrbot train --corrections-db``),
  weighted up and deduplicated.

The evaluation set (``evalsets/escalation.jsonl``) is never read here, and any training text that also appears
in it is dropped.
"""

from __future__ import annotations

import json
import random
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from classifiers.data import DEFAULT_DATA_DIR, read_csv, read_jsonl
from classifiers.risk_cues import find_cues
from classifiers.risk_types import RiskType
from classifiers.text import normalize

ROOT = Path(__file__).resolve().parents[1]
TRAINING_DIR = ROOT / "training_data" / "risk"
EVALSETS_DIR = ROOT / "evalsets"
SHARED_LABELS = "shared_labels.jsonl"
CORRECTION_WEIGHT = 3.0


@dataclass(frozen=True)
class Example:
    text: str
    risks: frozenset[RiskType]
    weight: float = 1.0
    origin: str = "written"


def _risks(values: Iterable[str]) -> frozenset[RiskType]:
    return frozenset(RiskType(v) for v in values)


def written_examples(folder: Path = TRAINING_DIR) -> list[Example]:
    out = []
    for path in sorted(folder.glob("*.jsonl")):
        if path.name == SHARED_LABELS:
            continue
        for row in read_jsonl(path):
            out.append(Example(row["text"], _risks(row.get("risks", [])), 1.0, f"written:{path.stem}"))
    return out


def _shared_texts(data_dir: Path) -> dict[tuple[str, str], str]:
    texts: dict[tuple[str, str], str] = {}
    for name in ("sentiment/semeval2013_2016_train.jsonl", "complaints/xci_train.jsonl"):
        for row in read_jsonl(data_dir / name):
            texts[(name, str(row["id"]))] = row["text"]
    name = "support/twcs_head5000.csv"
    for row in read_csv(data_dir / name):
        if row.get("inbound") == "True":
            texts[(name, str(row["tweet_id"]))] = row["text"]
    return texts


def shared_examples(
    data_dir: Path = DEFAULT_DATA_DIR, folder: Path = TRAINING_DIR, easy_negatives: int = 3000, seed: int = 13
) -> list[Example]:
    """Labelled real texts, plus ``easy_negatives`` sampled texts that carry no cue word at all."""
    texts = _shared_texts(data_dir)
    labelled: set[tuple[str, str]] = set()
    out = []
    path = folder / SHARED_LABELS
    for row in read_jsonl(path) if path.is_file() else []:
        key = (row["file"], str(row["id"]))
        if key in texts:
            labelled.add(key)
            out.append(Example(texts[key], _risks(row["risks"]), 1.0, f"shared:{row['file']}"))
    rng = random.Random(seed)
    pool = sorted(k for k in texts if k not in labelled)
    rng.shuffle(pool)
    taken = 0
    for key in pool:
        if taken >= easy_negatives:
            break
        if not find_cues(texts[key]).by_type:
            out.append(Example(texts[key], frozenset(), 1.0, f"easy:{key[0]}"))
            taken += 1
    return out


def correction_examples(rows: Iterable[tuple[str, list[str]]], weight: float = CORRECTION_WEIGHT) -> list[Example]:
    """People's risk corrections (text, corrected risk list); the latest correction of a text wins."""
    latest: dict[str, tuple[str, list[str]]] = {}
    for text, risks in rows:
        latest[normalize(text).lower()] = (text, risks)
    return [Example(text, _risks(risks), weight, "correction") for text, risks in latest.values()]


def eval_texts(folder: Path = EVALSETS_DIR) -> set[str]:
    keys: set[str] = set()
    for path in folder.glob("*.jsonl"):
        keys.update(normalize(row["text"]).lower() for row in read_jsonl(path))
    return keys


def training_examples(
    data_dir: Path = DEFAULT_DATA_DIR,
    corrections: Iterable[tuple[str, list[str]]] = (),
    easy_negatives: int = 3000,
) -> list[Example]:
    """All training examples, deduplicated (a correction overrides the same text elsewhere), none from evalsets."""
    banned = eval_texts()
    merged: dict[str, Example] = {}
    for ex in [*written_examples(), *shared_examples(data_dir, easy_negatives=easy_negatives)]:
        merged.setdefault(normalize(ex.text).lower(), ex)
    for ex in correction_examples(corrections):
        merged[normalize(ex.text).lower()] = ex
    return [ex for key, ex in merged.items() if key not in banned]


def read_corrections_file(path: Path) -> list[tuple[str, list[str]]]:
    """JSON lines ``{"text", "risks"}`` (what ``rrbot train --export-corrections`` writes)."""
    with path.open(encoding="utf-8") as fh:
        return [(row["text"], list(row["risks"])) for row in map(json.loads, fh) if "risks" in row]
