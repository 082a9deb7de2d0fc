"""X API v2 mentions into the service's Mention shape, page by page.

`fetch_mentions` walks `GET /2/users/:id/mentions` from `since_id` with `next_token` and
`expansions=author_id`, so reach (followers, verified) is real. It returns what it read even when a page fails
part way; the caller advances `since_id` only when every page was read, so nothing is skipped (a repeat is a
duplicate the store ignores).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import tweepy

from bot.schemas import MentionIn
from bot.sources.x.client import exhausted, rate_limit_reset

MAX_RESULTS = 100
REACHABLE = 800  # X keeps only the latest 800 mentions reachable: more since the last poll is a gap
TWEET_FIELDS = ["created_at", "author_id", "conversation_id", "lang", "referenced_tweets", "public_metrics"]
USER_FIELDS = ["username", "name", "public_metrics", "verified"]


@dataclass
class Batch:
    mentions: list[MentionIn] = field(default_factory=list)
    rejected: int = 0  # posts that do not fit the Mention schema (logged, skipped)
    newest_id: str | None = None
    reads: int = 0
    complete: bool = False  # every page was read: since_id may move to newest_id
    exhausted: bool = False  # the rate-limit window is used up: wait for its reset before the next poll
    reset_at: int | None = None


def _newer(a: str | None, b: str | None) -> str | None:
    if a is None or b is None:
        return a or b
    return a if int(a) >= int(b) else b


def to_mention(tweet: dict[str, Any], users: dict[str, dict[str, Any]], *, summoned: bool = True) -> MentionIn:
    user = users.get(str(tweet.get("author_id")), {})
    handle = user.get("username") or str(tweet.get("author_id") or "unknown")
    metrics = tweet.get("public_metrics") or {}
    replied_to = next((r["id"] for r in tweet.get("referenced_tweets") or [] if r.get("type") == "replied_to"), None)
    return MentionIn.model_validate(
        {
            "source": "x",
            "external_id": str(tweet["id"]),
            "text": tweet.get("text") or "",
            "created_at": datetime.fromisoformat(str(tweet["created_at"]).replace("Z", "+00:00")),
            "author": {
                "handle": handle,
                "name": user.get("name"),
                "followers": (user.get("public_metrics") or {}).get("followers_count"),
                "verified": user.get("verified"),
            },
            "url": f"https://x.com/{handle}/status/{tweet['id']}",
            "lang": tweet.get("lang"),
            "in_reply_to": replied_to,
            "metrics": {
                "likes": metrics.get("like_count", 0),
                "reposts": metrics.get("retweet_count", 0),
                "replies": metrics.get("reply_count", 0),
            },
            "summoned": summoned,
        }
    )


def _users(includes: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {str(u["id"]): u for u in includes.get("users") or []}


def _convert(
    batch: Batch, tweets: Iterable[dict[str, Any]], users: dict[str, dict[str, Any]], *, summoned: bool
) -> None:
    for tweet in tweets:
        try:
            batch.mentions.append(to_mention(tweet, users, summoned=summoned))
        except (ValueError, KeyError, TypeError):
            batch.rejected += 1


def fetch_mentions(
    client: tweepy.Client, *, user_id: str | None, since_id: str | None, query: str | None = None
) -> Batch:
    """Every mention of `user_id` newer than `since_id` (all of the reachable backlog when None), or with `query`
    every recent post matching it (keyword listening: such posts did not summon us). Raises tweepy and requests
    errors from the first page; errors on a later page end the walk with `complete` False."""
    batch, token = Batch(), None
    while True:
        params: dict[str, Any] = {
            "max_results": MAX_RESULTS,
            "expansions": ["author_id"],
            "tweet_fields": TWEET_FIELDS,
            "user_fields": USER_FIELDS,
        }
        if since_id:
            params["since_id"] = since_id
        if token:
            params["pagination_token"] = token
        try:
            if query is not None:
                response = client.search_recent_tweets(query, **params)
            else:
                response = client.get_users_mentions(user_id, **params)
        except Exception:
            if token is None:
                raise
            return batch  # a later page failed: keep what was read, leave since_id where it was
        body = response.json()
        tweets = body.get("data") or []
        batch.reads += len(tweets)
        _convert(batch, tweets, _users(body.get("includes") or {}), summoned=query is None)
        meta = body.get("meta") or {}
        batch.newest_id = _newer(batch.newest_id, meta.get("newest_id"))
        token = meta.get("next_token")
        if exhausted(response):
            batch.exhausted, batch.reset_at = True, rate_limit_reset(response)
        if not token:
            batch.complete = True
            return batch
        if batch.exhausted:
            return batch
