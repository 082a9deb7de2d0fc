"""Long texts (support tickets, formal complaints) cut into sentence windows the encoder can read whole.

The encoder reads 64 tokens; a risk in the middle of a 300-word ticket would be cut off. Each window holds
whole sentences up to about ``MAX_WORDS`` words (a sentence longer than that is cut into overlapping pieces),
and the risk model reads every window.
"""

from __future__ import annotations

import re

MAX_WORDS = 40
WHOLE_WORDS = 48  # a text this short is read whole (about the encoder's 64 tokens): no second pass for a tweet
_SENTENCE = re.compile(r"(?<=[.!?;])\s+|\n+|(?<=\.\.\.)\s*")


def _pieces(sentence: str, max_words: int) -> list[str]:
    words = sentence.split()
    if len(words) <= max_words:
        return [sentence]
    step = max(1, max_words - max_words // 4)
    return [" ".join(words[i : i + max_words]) for i in range(0, len(words) - max_words // 4, step)]


def split_windows(text: str, max_words: int = MAX_WORDS) -> list[str]:
    """The text itself when it is short, else windows of whole sentences of at most ``max_words`` words."""
    if len(text.split()) <= max(max_words, WHOLE_WORDS):
        return [text]
    sentences = [p for s in _SENTENCE.split(text) if s and s.strip() for p in _pieces(s.strip(), max_words)]
    windows: list[str] = []
    current: list[str] = []
    size = 0
    for sentence in sentences:
        n = len(sentence.split())
        if current and size + n > max_words:
            windows.append(" ".join(current))
            current, size = [], 0
        current.append(sentence)
        size += n
    if current:
        windows.append(" ".join(current))
    return windows or [text]
