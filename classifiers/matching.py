"""Playbook category matching on the model's sentence embedding (no retraining to add a category).

Each category's example phrases are embedded once. A text's embedding is compared (cosine) either with each
category's centroid (the normalised mean of its examples; the default) or with its nearest example; the best
category wins if its score reaches ``threshold``, else the match is ``None``.

Threshold (model 1.0.0): tuning on Banking77 *train* only (``classifiers.evaluate.tune_threshold``: half the
intents are known categories, the other half out-of-scope) gives 0.73, but there the out-of-scope texts are
near-misses from the same narrow domain. Playbook categories are broader and the texts around them are other
complaints; on those, clear members score 0.5-0.8 and other complaints 0.35-0.45 (tests/classifiers/
test_matching.py), so the default is 0.5. Pass ``threshold=`` per playbook for finer-grained categories.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Protocol

import numpy as np

from classifiers.types import CategoryMatch

DEFAULT_THRESHOLD = 0.5
METHODS = ("centroid", "nearest")


class Embedder(Protocol):
    def embed(self, texts: Sequence[str]) -> np.ndarray: ...


class CategoryMatcher:
    def __init__(
        self,
        engine: Embedder,
        categories: Mapping[str, Sequence[str]],
        threshold: float = DEFAULT_THRESHOLD,
        method: str = "centroid",
    ) -> None:
        if method not in METHODS:
            raise ValueError(f"method must be one of {METHODS}")
        empty = [name for name, examples in categories.items() if not examples]
        if empty:
            raise ValueError(f"categories without example phrases: {', '.join(empty)}")
        self.threshold = threshold
        self.method = method
        self.names = list(categories)
        phrases = [p for name in self.names for p in categories[name]]
        owners = np.array([i for i, name in enumerate(self.names) for _ in categories[name]])
        emb = np.asarray(engine.embed(phrases), dtype=np.float32) if phrases else np.zeros((0, 1), np.float32)
        self._examples, self._owners = emb, owners
        if self.names:
            cents = np.stack([emb[owners == i].mean(0) for i in range(len(self.names))])
            self._centroids = cents / np.maximum(np.linalg.norm(cents, axis=1, keepdims=True), 1e-12)

    def scores(self, embeddings: np.ndarray) -> np.ndarray:
        """(n, n_categories) similarity of each embedding to each category."""
        emb = np.atleast_2d(np.asarray(embeddings, dtype=np.float32))
        if self.method == "centroid":
            similarities: np.ndarray = emb @ self._centroids.T
            return similarities
        sims = emb @ self._examples.T
        out = np.full((emb.shape[0], len(self.names)), -1.0, dtype=np.float32)
        for i in range(len(self.names)):
            out[:, i] = sims[:, self._owners == i].max(1)
        return out

    def match(self, embedding: np.ndarray) -> CategoryMatch:
        """The nearest category at or above the threshold, else ``CategoryMatch(None, best score)``."""
        if not self.names:
            return CategoryMatch(None, 0.0)
        row = self.scores(embedding)[0]
        best = int(np.argmax(row))
        score = float(row[best])
        return CategoryMatch(self.names[best] if score >= self.threshold else None, score)
