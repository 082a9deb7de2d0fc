"""The classifiers' error hierarchy.

ClassifierError
├── ModelNotFound   (also a FileNotFoundError): the model folder or one of its files is missing
└── InvalidInput    (also a ValueError): a text is empty, blank or not a str
"""

from __future__ import annotations


class ClassifierError(Exception):
    """Base class of every error raised by the classifiers package."""


class ModelNotFound(ClassifierError, FileNotFoundError):
    """The model folder, its ONNX graph, tokenizer or config is missing or unreadable."""


class InvalidInput(ClassifierError, ValueError):
    """A text given to the model is not a non-empty str."""
