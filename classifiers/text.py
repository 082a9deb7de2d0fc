"""Text normalisation shared by training and inference (the TweetEval convention)."""

from __future__ import annotations

import re

_HANDLE = re.compile(r"(?<![\w@])@\w+")
_LINK = re.compile(r"(?:https?://|www\.)\S*|\bhttps?\S*", re.IGNORECASE)
_SPACE = re.compile(r"\s+")


def normalize(text: str) -> str:
    """Normalise a text the way TweetEval does: handles become ``@user``, links become ``http``.

    Whitespace (including newlines) is squeezed to single spaces and the ends are stripped.
    """
    text = _LINK.sub("http", text)
    text = _HANDLE.sub("@user", text)
    return _SPACE.sub(" ", text).strip()
