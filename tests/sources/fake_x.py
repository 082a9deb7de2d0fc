"""A fake X API v2: a real HTTP server on 127.0.0.1 shaped like X's documented answers.

Routes: GET /2/users/me, GET /2/users/:id, GET /2/users/:id/mentions (since_id, pagination_token,
max_results, expansions=author_id with the users in `includes`, meta.newest_id / next_token, x-rate-limit-*
headers), GET /2/users/:id/tweets, POST /2/tweets (records replies). Reads need a Bearer token, posts an
OAuth 1.0a header. Failures are scripted per route (`fail`); `ambiguous_posts` records a post and still
answers 503, as a timeout after X accepted it would look.
"""

from __future__ import annotations

import itertools
import json
import threading
import time
from collections import defaultdict
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit

from tests.fake_http import JsonServer

BRAND = {"id": "999", "username": "acme", "name": "ACME Stores"}


class FakeX:
    def __init__(self) -> None:
        self._lock = threading.Condition()
        self.reset()
        self._http = JsonServer(self._serve)
        self.url = self._http.base

    def _serve(self, method: str, path: str, headers: Any, raw: bytes) -> tuple[int, dict[str, str], Any]:
        url = urlsplit(path)
        query = {k: v[0] for k, v in parse_qs(url.query).items()}
        return self.handle(method, url.path, query, json.loads(raw) if raw else None, dict(headers))

    # -- test controls --------------------------------------------------------------------------------------------
    def start(self) -> FakeX:
        self._http.start()
        return self

    def stop(self) -> None:
        self._http.stop()

    def reset(self) -> None:
        with self._lock:
            self.calls: list[dict[str, Any]] = []
            self.mentions: list[dict[str, Any]] = []  # newest first, as X returns them
            self.others: list[dict[str, Any]] = []  # public posts that do not mention the brand (search finds them)
            self.users: dict[str, dict[str, Any]] = {BRAND["id"]: dict(BRAND)}
            self.posted: list[dict[str, Any]] = []  # what the bot posted (create_tweet)
            self.brand_posts: list[dict[str, Any]] = []  # what the brand posted itself, outside the bot
            self.failures: dict[str, list[tuple[int, dict[str, str], dict[str, Any]]]] = defaultdict(list)
            self.ambiguous_posts = 0
            self.page_size = 100
            self._ids = itertools.count(1_790_000_000_000_000_000)

    def add_mentions(
        self, count: int, *, text: str = "hey @acme my parcel is {n} days late", start: int = 0, mention: bool = True
    ) -> list[str]:
        """`count` new mentions from different authors, each newer than the ones already there."""
        ids = []
        with self._lock:
            for n in range(start, start + count):
                tweet_id, user_id = str(next(self._ids)), str(10_000 + n)
                self.users[user_id] = {
                    "id": user_id,
                    "username": f"customer{n}",
                    "name": f"Customer {n}",
                    "verified": n % 50 == 0,
                    "public_metrics": {"followers_count": 100 + n, "following_count": 10},
                }
                created = datetime.now(UTC) - timedelta(minutes=5) + timedelta(milliseconds=n)
                (self.mentions if mention else self.others).insert(
                    0,
                    {
                        "id": tweet_id,
                        "text": text.format(n=n),
                        "author_id": user_id,
                        "created_at": created.strftime("%Y-%m-%dT%H:%M:%S.") + f"{created.microsecond // 1000:03d}Z",
                        "conversation_id": tweet_id,
                        "lang": "en",
                        "public_metrics": {"like_count": 1, "retweet_count": 0, "reply_count": 0, "quote_count": 0},
                    },
                )
                ids.append(tweet_id)
        return ids

    def add_brand_reply(self, to: str, text: str, created_at: datetime) -> str:
        """A reply the brand posts to `to` in X's own app: on the account's timeline, not made by the bot."""
        with self._lock:
            tweet_id = str(next(self._ids))
            self.brand_posts.append(
                {
                    "id": tweet_id,
                    "text": text,
                    "created_at": created_at.strftime("%Y-%m-%dT%H:%M:%S.000Z"),
                    "referenced_tweets": [{"type": "replied_to", "id": to}],
                }
            )
        return tweet_id

    def fail(self, route: str, status: int, headers: dict[str, str] | None = None, times: int = 1) -> None:
        """The next `times` calls to `route` ("mentions", "post", "me", "tweets") answer `status`."""
        body = {"title": "Too Many Requests" if status == 429 else "Error", "status": status, "detail": "scripted"}
        with self._lock:
            self.failures[route].extend([(status, headers or {}, body)] * times)

    def mention_calls(self) -> list[dict[str, Any]]:
        return [c for c in self.calls if c["route"] == "mentions"]

    def wait_posts(self, count: int, timeout: float = 15.0) -> list[dict[str, Any]]:
        deadline = time.monotonic() + timeout
        with self._lock:
            while len(self.posted) < count:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(f"{len(self.posted)} posts, expected {count}")
                self._lock.wait(left)
            return list(self.posted)

    # -- the API --------------------------------------------------------------------------------------------------
    def handle(
        self, method: str, path: str, query: dict[str, str], body: Any, headers: dict[str, str]
    ) -> tuple[int, dict[str, str], dict[str, Any]]:
        parts = path.strip("/").split("/")
        route = self._route(method, parts)
        auth = headers.get("Authorization", "")
        with self._lock:
            self.calls.append({"route": route, "method": method, "path": path, "query": query, "auth": auth})
            self._lock.notify_all()
            if self.failures.get(route):
                return self.failures[route].pop(0)
        user_context = auth.startswith("OAuth ")
        if route in ("post", "me") and not user_context:
            return 403, {}, {"title": "Unsupported Authentication", "status": 403}
        if route in ("mentions", "user", "tweets") and not (auth.startswith("Bearer ") or user_context):
            return 401, {}, {"title": "Unauthorized", "status": 401}
        if route == "me":
            return 200, {}, {"data": dict(BRAND)}
        if route == "user":
            return 200, {}, {"data": self.users.get(parts[2], dict(BRAND))}
        if route == "mentions":
            return self._mentions(query)
        if route == "search" and auth.startswith("Bearer "):
            words = query.get("query", "").lower()
            found = [t for t in self.mentions + self.others if words in t["text"].lower()]
            return self._mentions(query, sorted(found, key=lambda t: -int(t["id"])))
        if route == "tweets":  # the account's timeline, newest first, after since_id
            with self._lock:
                since = int(query.get("since_id", "0"))
                posts = sorted(self.posted + self.brand_posts, key=lambda t: -int(t["id"]))
                posts = [t for t in posts if int(t["id"]) > since][: int(query.get("max_results", "10"))]
            meta: dict[str, Any] = {"result_count": len(posts)}
            if posts:
                meta["newest_id"], meta["oldest_id"] = posts[0]["id"], posts[-1]["id"]
            return 200, {}, {"data": posts, "meta": meta}
        if route == "post":
            return self._post(body or {})
        return 404, {}, {"title": "Not Found", "status": 404}

    @staticmethod
    def _route(method: str, parts: list[str]) -> str:
        if method == "POST" and parts == ["2", "tweets"]:
            return "post"
        if parts == ["2", "tweets", "search", "recent"]:
            return "search"
        if parts[:3] == ["2", "users", "me"]:
            return "me"
        if len(parts) == 4 and parts[:2] == ["2", "users"]:
            return {"mentions": "mentions", "tweets": "tweets"}.get(parts[3], "unknown")
        if len(parts) == 3 and parts[:2] == ["2", "users"]:
            return "user"
        return "unknown"

    def _mentions(
        self, query: dict[str, str], tweets: list[dict[str, Any]] | None = None
    ) -> tuple[int, dict[str, str], dict[str, Any]]:
        with self._lock:
            since = int(query.get("since_id", "0"))
            newer = [t for t in (self.mentions if tweets is None else tweets) if int(t["id"]) > since][
                :800
            ]  # X keeps the latest 800 reachable
            size = min(int(query.get("max_results", "10")), self.page_size)
            start = int(query.get("pagination_token", "0") or 0)
            page = newer[start : start + size]
            authors = {t["author_id"] for t in page}
            users = [self.users[a] for a in sorted(authors)] if "author_id" in query.get("expansions", "") else []
        meta: dict[str, Any] = {"result_count": len(page)}
        if page:
            meta["newest_id"], meta["oldest_id"] = page[0]["id"], page[-1]["id"]
        if start + size < len(newer):
            meta["next_token"] = str(start + size)
        headers = {"x-rate-limit-limit": "300", "x-rate-limit-remaining": "299", "x-rate-limit-reset": "0"}
        body: dict[str, Any] = {"meta": meta}
        if page:
            body["data"], body["includes"] = page, {"users": users}
        return 200, headers, body

    def _post(self, body: dict[str, Any]) -> tuple[int, dict[str, str], dict[str, Any]]:
        with self._lock:
            created = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")
            tweet = {"id": str(next(self._ids)), "text": body.get("text", ""), "created_at": created}
            reply_to = (body.get("reply") or {}).get("in_reply_to_tweet_id")
            stored = {**tweet, "in_reply_to_tweet_id": reply_to}
            if reply_to:
                stored["referenced_tweets"] = [{"type": "replied_to", "id": reply_to}]
            self.posted.append(stored)
            self._lock.notify_all()
            if self.ambiguous_posts:
                self.ambiguous_posts -= 1
                return 503, {}, {"title": "Service Unavailable", "status": 503}
        return 201, {}, {"data": {**tweet, "edit_history_tweet_ids": [tweet["id"]]}}
