"""The brand's own posts that answer a customer but were made outside the bot (in X's app, by another tool),
read from the account's timeline (`GET /2/users/:id/tweets`), so that a case's first reply is the real one and
response times stay true. The caller skips the posts the bot made itself (they are on the timeline already)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

import tweepy

from bot.sources.x.mentions import MAX_RESULTS, _newer

MAX_PAGES = 5


@dataclass(frozen=True)
class OwnReply:
    id: str
    in_reply_to: str  # the post it answers: a case's external_id when the customer's post is one
    text: str
    created_at: datetime


@dataclass
class OwnPosts:
    replies: list[OwnReply] = field(default_factory=list)
    newest_id: str | None = None
    reads: int = 0


def fetch_own_replies(client: tweepy.Client, *, user_id: str, since_id: str | None) -> OwnPosts:
    """The account's replies newer than `since_id` (the latest page or pages when None). Raises tweepy and
    requests errors; the caller moves `since_id` only after a full read."""
    found, token = OwnPosts(), None
    for _ in range(MAX_PAGES):
        params: dict[str, object] = {"max_results": MAX_RESULTS, "tweet_fields": ["created_at", "referenced_tweets"]}
        if since_id:
            params["since_id"] = since_id
        if token:
            params["pagination_token"] = token
        body = client.get_users_tweets(user_id, **params).json()
        tweets = body.get("data") or []
        found.reads += len(tweets)
        for tweet in tweets:
            replied_to = next(
                (r.get("id") for r in tweet.get("referenced_tweets") or [] if r.get("type") == "replied_to"), None
            )
            if replied_to and tweet.get("created_at"):
                at = datetime.fromisoformat(str(tweet["created_at"]).replace("Z", "+00:00"))
                found.replies.append(OwnReply(str(tweet["id"]), str(replied_to), str(tweet.get("text") or ""), at))
        meta = body.get("meta") or {}
        found.newest_id = _newer(found.newest_id, meta.get("newest_id"))
        token = meta.get("next_token")
        if not token:
            break
    return found
