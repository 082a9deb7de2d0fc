"""Risk as a first-class output: for every text, the risks it carries, each with a calibrated probability and
the words that carry it.

The risk head is a small network (one shared ReLU layer, one sigmoid output per risk type and one for "any
serious risk") over the encoder's sentence embedding, the lexicon's cues for every type
(``classifiers.risk_cues``), figurative, joke and question markers, and the model's sentiment and complaint
scores. It reads each window of a long text (``classifiers.windows``) and keeps the
most risky one per type. Probabilities are Platt-calibrated on held-out folds of the training data (optionally
with the log of the number of windows as a second input, and with thresholds of their own for texts of several
windows: the maximum over many windows runs higher by chance alone). A risk is
*serious* (it escalates) when its probability reaches that type's threshold, or when it is the most probable
type of a text whose "any serious risk" probability reaches its threshold (that head learns from every
positive of every type, so it decides escalation; the type heads say which risk it is). Thresholds are chosen
on the same folds for high recall. Weights: ``classifiers/models/risk.npz``, trained by
``python -m classifiers.train_risk``.

Only numpy here: the serving path stays free of torch.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from classifiers.errors import ModelNotFound
from classifiers.risk_cues import CueHits, find_cues
from classifiers.risk_types import RISK_LABELS, RISK_TYPES, RiskType
from classifiers.types import ModelScores

MODELS_DIR = Path(__file__).resolve().parent / "models"
WEIGHTS_FILE = "risk.npz"
CARD_FILE = "risk.json"
REPORT_FLOOR = 0.3  # risks below this probability are not reported at all
EVIDENCE_CHARS = 120


def _capped(n: int, cap: int = 2) -> float:
    return min(n, cap) / cap


def side_features(hits: CueHits, scores: ModelScores) -> list[float]:
    """Everything but the embedding, in the order of ``SIDE_FEATURES``."""
    return [
        *(_capped(len(hits.by_type.get(r, []))) for r in RISK_TYPES),
        _capped(len(hits.figurative)),
        _capped(hits.joke),
        float(hits.first_person),
        float(hits.question),
        scores.sentiment.get("negative", 0.0),
        scores.sentiment.get("positive", 0.0),
        scores.complaint,
    ]


SIDE_FEATURES: tuple[str, ...] = (
    *(f"cue:{r.value}" for r in RISK_TYPES),
    "figurative",
    "joke",
    "first_person",
    "question",
    "negative",
    "positive",
    "complaint",
)


# The embedding enters at twice its length: the same L2 penalty then binds its weights less than the cues',
# which generalised better to texts written by other people (evalsets/, development half).
EMBEDDING_SCALE = 2.0


def window_features(window: str, scores: ModelScores) -> tuple[np.ndarray, CueHits]:
    hits = find_cues(window)
    side = np.asarray(side_features(hits, scores), dtype=np.float32)
    return np.concatenate([EMBEDDING_SCALE * np.asarray(scores.embedding, dtype=np.float32), side]), hits


@dataclass(frozen=True)
class RiskFinding:
    type: RiskType
    probability: float
    evidence: tuple[str, ...]  # the words (or, without a cue word, the sentence) that carry it
    serious: bool  # at or above the type's threshold: escalates whatever sentiment and complaint say

    @property
    def label(self) -> str:
        return RISK_LABELS[self.type]

    def to_dict(self) -> dict[str, Any]:
        return {
            "type": self.type.value,
            "score": round(self.probability, 4),  # calibrated probability
            "evidence": list(self.evidence),
            "serious": self.serious,
        }


def _sigmoid(z: np.ndarray) -> np.ndarray:
    return np.asarray(1.0 / (1.0 + np.exp(-np.clip(z, -30, 30))))


def _shorten(text: str, limit: int = EVIDENCE_CHARS) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


HEADS = len(RISK_TYPES) + 1  # one per type, then "any serious risk"
ANY = len(RISK_TYPES)


class RiskModel:
    """One shared ReLU layer, one output per type and one for any risk; Platt calibration; thresholds.

    ``calib`` is (HEADS, 2), slope and intercept on the raw score, or (HEADS, 3) with a third column on
    log(number of windows of the text); ``thresholds_long`` (default: ``thresholds``) applies to texts of more
    than one window. A bag of several networks is one network whose hidden layer holds all of theirs
    (``train_risk.merge_bag``), so it needs nothing here.
    """

    def __init__(
        self,
        w1: np.ndarray,
        b1: np.ndarray,
        weights: np.ndarray,
        bias: np.ndarray,
        calib: np.ndarray,
        thresholds: np.ndarray,
        card: dict[str, Any] | None = None,
        thresholds_long: np.ndarray | None = None,
    ) -> None:
        n = HEADS
        if weights.shape[0] != n or bias.shape != (n,) or thresholds.shape != (n,):
            raise ValueError("risk weights do not match the risk types")
        if calib.shape not in ((n, 2), (n, 3)) or (thresholds_long is not None and thresholds_long.shape != (n,)):
            raise ValueError("risk calibration does not match the risk types")
        if b1.shape != (w1.shape[0],) or weights.shape[1] != w1.shape[0]:
            raise ValueError("the risk model's hidden layer does not match its output layer")
        self.w1 = w1.astype(np.float32)
        self.b1 = b1.astype(np.float32)
        self.weights = weights.astype(np.float32)
        self.bias = bias.astype(np.float32)
        with_length = calib if int(calib.shape[1]) == 3 else np.hstack([calib, np.zeros((n, 1))])
        self.calib = with_length.astype(np.float32)
        self.thresholds = thresholds.astype(np.float32)
        self.thresholds_long = (thresholds if thresholds_long is None else thresholds_long).astype(np.float32)
        self.card = card or {}

    @property
    def length_aware(self) -> bool:
        """Whether the number of windows moves the calibration or the thresholds."""
        return bool(np.any(self.calib[:, 2] != 0) or np.any(self.thresholds_long != self.thresholds))

    @classmethod
    def from_params(
        cls,
        params: Mapping[str, np.ndarray],
        calib: np.ndarray,
        thresholds: np.ndarray,
        card: dict[str, Any] | None = None,
        thresholds_long: np.ndarray | None = None,
    ) -> RiskModel:
        """A model from ``train_risk.fit_mlp``'s arrays (``w1``, ``b1``, ``weights``, ``bias``)."""
        w1, b1, weights, bias = params["w1"], params["b1"], params["weights"], params["bias"]
        return cls(w1, b1, weights, bias, calib, thresholds, card, thresholds_long)

    @property
    def version(self) -> str:
        return str(self.card.get("version", "unknown"))

    @classmethod
    def load(cls, model_dir: Path | None = None) -> RiskModel:
        folder = Path(model_dir) if model_dir is not None else MODELS_DIR
        path = folder / WEIGHTS_FILE
        if not path.is_file():
            raise ModelNotFound(f"{folder} lacks {WEIGHTS_FILE}")
        try:
            with np.load(path, allow_pickle=False) as data:
                arrays = {k: np.asarray(data[k]) for k in data.files}
            card_path = folder / CARD_FILE
            card = json.loads(card_path.read_text(encoding="utf-8")) if card_path.is_file() else {}
            long = arrays.get("thresholds_long")  # absent from files written before it existed
            return cls.from_params(arrays, arrays["calib"], arrays["thresholds"], card, long)
        except (OSError, ValueError, KeyError) as exc:
            raise ModelNotFound(f"cannot load the risk model in {folder}: {exc}") from exc

    def save(self, folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        arrays: dict[str, Any] = {"w1": self.w1, "b1": self.b1, "weights": self.weights, "bias": self.bias}
        if self.length_aware:
            arrays |= {"calib": self.calib, "thresholds": self.thresholds, "thresholds_long": self.thresholds_long}
        else:  # the layout of files written before length-aware calibration existed
            arrays |= {"calib": self.calib[:, :2], "thresholds": self.thresholds}
        np.savez_compressed(folder / WEIGHTS_FILE, **arrays)
        (folder / CARD_FILE).write_text(json.dumps(self.card, indent=2) + "\n", encoding="utf-8")

    def logits(self, features: np.ndarray) -> np.ndarray:
        """(n, HEADS) raw scores for (n, n_features) rows."""
        hidden = np.maximum(np.atleast_2d(features) @ self.w1.T + self.b1, 0)
        return np.asarray(hidden @ self.weights.T + self.bias)

    def probabilities(self, features: np.ndarray, n_windows: np.ndarray | int = 1) -> np.ndarray:
        """(n, HEADS) calibrated probabilities; ``n_windows``: how many windows each row's text has."""
        z = self.logits(features)
        log_n = np.log(np.maximum(np.asarray(n_windows, dtype=np.float32), 1)).reshape(-1, 1)
        return _sigmoid(self.calib[:, 0] * z + self.calib[:, 1] + self.calib[:, 2] * log_n)

    def assess(self, windows: Sequence[str], scores: Sequence[ModelScores]) -> list[RiskFinding]:
        """The risks one text carries (its windows and their model scores), most probable first."""
        return self.assess_many([windows], [scores])[0]

    def assess_many(
        self, texts: Sequence[Sequence[str]], scores: Sequence[Sequence[ModelScores]]
    ) -> list[list[RiskFinding]]:
        """``assess`` for many texts (each as its windows and their scores) in one pass of the network."""
        pairs = [(w, s) for ws, ss in zip(texts, scores, strict=True) for w, s in zip(ws, ss, strict=True)]
        rows = [window_features(w, s) for w, s in pairs]
        if not rows:
            return [[] for _ in texts]
        n_windows = np.array([len(ws) for ws in texts for _ in ws])
        probs = self.probabilities(np.stack([f for f, _ in rows]), n_windows)
        out, start = [], 0
        for ws in texts:
            n = len(ws)
            out.append(self._findings(list(ws), [h for _, h in rows[start : start + n]], probs[start : start + n]))
            start += n
        return out

    def _findings(self, windows: list[str], hits: list[CueHits], probs: np.ndarray) -> list[RiskFinding]:
        best = probs.argmax(0)
        top = probs[best, np.arange(HEADS)]
        thresholds = self.thresholds_long if len(windows) > 1 else self.thresholds
        any_serious = top[ANY] >= thresholds[ANY]
        leading = int(np.argmax(top[:ANY]))
        findings = []
        for t, risk in enumerate(RISK_TYPES):
            p = float(top[t])
            lead = any_serious and t == leading
            if p < REPORT_FLOOR and not lead:
                continue
            words = hits[best[t]].by_type.get(risk) or [_shorten(windows[best[t]])]
            evidence = tuple(dict.fromkeys(words))[:4]
            serious = p >= float(thresholds[t]) or bool(lead)
            findings.append(RiskFinding(risk, max(p, float(top[ANY])) if lead else p, evidence, serious))
        return sorted(findings, key=lambda f: -f.probability)
