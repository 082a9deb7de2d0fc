"""Rapid Response Bot classifiers: one ONNX model for sentiment, complaint, severity, urgency and
embeddings; explainable urgency rules; playbook category matching.

The serving path imports only numpy, onnxruntime and tokenizers. Training lives in ``classifiers.train``
(needs the ``train`` extra) and is never imported from here.
"""

from classifiers.classify import COMPLAINT_THRESHOLD, classify_scores
from classifiers.errors import ClassifierError, InvalidInput, ModelNotFound
from classifiers.matching import CategoryMatcher
from classifiers.runtime import Batcher, Engine
from classifiers.text import normalize
from classifiers.types import (
    CategoryMatch,
    Classification,
    ModelScores,
    Urgency,
    UrgencyContext,
    UrgencyLevel,
)
from classifiers.urgency import WEIGHTS, score_urgency

__all__ = [
    "COMPLAINT_THRESHOLD",
    "WEIGHTS",
    "Batcher",
    "CategoryMatch",
    "CategoryMatcher",
    "Classification",
    "ClassifierError",
    "Engine",
    "InvalidInput",
    "ModelNotFound",
    "ModelScores",
    "Urgency",
    "UrgencyLevel",
    "UrgencyContext",
    "classify_scores",
    "normalize",
    "score_urgency",
]
