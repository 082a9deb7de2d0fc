"""Small helpers for Slack text: escaping, safe truncation, dates, mentions."""

from __future__ import annotations

from datetime import datetime

ELLIPSIS = "…"


def escape(text: str) -> str:
    """Slack needs &, < and > escaped in text it should not parse as links or mentions."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def clip(text: str, limit: int) -> str:
    """At most `limit` characters, cut at a word boundary when one is near, with an ellipsis."""
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    space = cut.rfind(" ")
    if space > limit * 0.8:
        cut = cut[:space]
    return cut.rstrip() + ELLIPSIS


def quote(text: str, limit: int) -> str:
    # clip before escaping would let an entity grow past the limit; escape, then clip, then drop a cut entity
    body = clip(escape(" ".join(text.split())), limit)
    amp = body.rfind("&")
    if amp != -1 and ";" not in body[amp:]:
        body = body[:amp] + ELLIPSIS
    return "> " + body


def date(at: datetime, fmt: str = "{date_short_pretty} {time}") -> str:
    fallback = at.strftime("%Y-%m-%d %H:%M UTC")
    return f"<!date^{int(at.timestamp())}^{fmt}|{fallback}>"


def mention(target: str | None) -> str:
    if not target:
        return ""
    if target.startswith("S"):
        return f"<!subteam^{target}>"
    return f"<@{target}>"


def channel(channel_id: str) -> str:
    return f"<#{channel_id}>"


def minutes(value: float) -> str:
    value = int(round(value))
    return f"{value} min" if value < 120 else f"{value // 60} h {value % 60} min"
