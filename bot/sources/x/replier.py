"""Replies to X: `create_tweet(in_reply_to_tweet_id=...)` with OAuth 1.0a user context, exactly once.

The outbox retries a reply whose first attempt failed ambiguously (a timeout or a 5xx may still have posted).
Before any second post the replier looks at the account's recent posts for a reply to the same post with the
same text and, if one is there, answers with it instead of posting again.
"""

from __future__ import annotations

import time
from typing import Any

import requests
import tweepy

from bot.enums import DeliveryCode
from bot.models import Outbox
from bot.outbox.errors import DeliveryFailed, RetryLater
from bot.sources.replies import reply_problem
from bot.sources.x.client import XAccount, describe, rate_limit_reset


class XReplier:
    def __init__(self, client: tweepy.Client, account: XAccount) -> None:
        self.client, self.account = client, account

    def post_reply(self, row: Outbox) -> dict[str, Any]:
        payload = row.payload
        target, text = str(payload.get("external_id") or ""), str(payload.get("text") or "")
        if payload.get("summoned") is False:
            reason = "X allows automated replies only to posts that mention the account (this one was found by search)"
            raise DeliveryFailed(reason, code=DeliveryCode.NOT_ALLOWED)
        if not target.isdigit():
            raise DeliveryFailed(f"not an X post id: {target!r}", code=DeliveryCode.MISCONFIGURED)
        problem = reply_problem("x", text)
        if problem:
            raise DeliveryFailed(problem)
        if row.attempts > 0:
            earlier = self._already_posted(target, text)
            if earlier is not None:
                return self._result(earlier, checked=True)
        try:
            response = self.client.create_tweet(text=text, in_reply_to_tweet_id=target, user_auth=True)
        except tweepy.TooManyRequests as exc:
            reset = rate_limit_reset(exc.response)  # X's unix time: compared with the wall clock, as X means it
            after = max(1.0, reset - time.time()) if reset else None
            raise RetryLater("X rate limit (429)", after, code=DeliveryCode.RATE_LIMITED) from exc
        except tweepy.TwitterServerError as exc:
            raise RetryLater(describe(exc)) from exc
        except tweepy.HTTPException as exc:
            raise DeliveryFailed(describe(exc)) from exc
        except requests.RequestException as exc:
            raise RetryLater(describe(exc)) from exc
        return self._result(str(response.json()["data"]["id"]))

    def _already_posted(self, target: str, text: str) -> str | None:
        try:
            user_id, _ = self.account.resolve()
            response = self.client.get_users_tweets(
                user_id, max_results=100, tweet_fields=["referenced_tweets"], user_auth=True
            )
        except (tweepy.HTTPException, requests.RequestException) as exc:
            raise RetryLater(f"could not check for an earlier post before retrying: {describe(exc)}") from exc
        for tweet in response.json().get("data") or []:
            replied_to = {r.get("id") for r in tweet.get("referenced_tweets") or [] if r.get("type") == "replied_to"}
            if target in replied_to and tweet.get("text", "").strip() == text.strip():
                return str(tweet["id"])
        return None

    def _result(self, tweet_id: str, *, checked: bool = False) -> dict[str, Any]:
        try:
            handle = self.account.resolve()[1] or "i/web"
        except (tweepy.HTTPException, requests.RequestException):
            handle = "i/web"  # x.com/i/web/status/<id> opens any post
        result: dict[str, Any] = {"id": tweet_id, "url": f"https://x.com/{handle}/status/{tweet_id}"}
        if checked:
            result["found_after_ambiguous_failure"] = True
        return result
