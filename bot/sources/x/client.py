"""One tweepy client for the X API v2, with its requests routed to RRBOT_X_API_URL.

tweepy builds every URL on https://api.twitter.com inside `Client.request`. `RoutedSession` replaces the
client's `requests` session and rewrites that host to the configured base URL *before* the request is
prepared, so OAuth 1.0a signs the URL that is really sent. tweepy's own debug log prints credentials: it is
held at WARNING whatever the service's log level.
"""

from __future__ import annotations

import logging
import threading
from typing import Any

import requests
import tweepy

from bot.settings import Settings

TWEEPY_HOST = "https://api.twitter.com"
TIMEOUT_SECONDS = 10.0


class RoutedSession(requests.Session):
    def __init__(self, base_url: str, timeout: float = TIMEOUT_SECONDS) -> None:
        super().__init__()
        self.base_url, self.timeout = base_url.rstrip("/"), timeout

    def request(self, method: str, url: str, *args: Any, **kwargs: Any) -> requests.Response:  # type: ignore[override]
        if isinstance(url, str) and url.startswith(TWEEPY_HOST):
            url = self.base_url + url[len(TWEEPY_HOST) :]
        kwargs.setdefault("timeout", self.timeout)
        return super().request(method, url, *args, **kwargs)


def _secret(value: Any) -> str | None:
    return value.get_secret_value() if value is not None else None


def build_client(settings: Settings) -> tweepy.Client:
    for name in ("tweepy", "oauthlib", "requests_oauthlib"):  # their DEBUG lines carry tokens and signatures
        logging.getLogger(name).setLevel(logging.WARNING)
    client = tweepy.Client(
        bearer_token=_secret(settings.x_bearer_token),
        consumer_key=_secret(settings.x_api_key),
        consumer_secret=_secret(settings.x_api_secret),
        access_token=_secret(settings.x_access_token),
        access_token_secret=_secret(settings.x_access_token_secret),
        return_type=requests.Response,  # keep the x-rate-limit-* headers
        wait_on_rate_limit=False,  # never sleep inside a worker: the poller pauses itself instead
    )
    client.session = RoutedSession(settings.x_api_url)
    return client


def rate_limit_reset(response: requests.Response | None) -> int | None:
    """The unix time the current rate-limit window ends, when X says so."""
    if response is None:
        return None
    value = response.headers.get("x-rate-limit-reset")
    return int(value) if value and value.isdigit() else None


def exhausted(response: requests.Response) -> bool:
    return response.headers.get("x-rate-limit-remaining") == "0"


def describe(exc: Exception) -> str:
    """An error in words without anything from the request (no URL with parameters, no headers)."""
    if isinstance(exc, tweepy.HTTPException):
        codes = ", ".join(str(c) for c in exc.api_codes) if exc.api_codes else ""
        return f"X answered {exc.response.status_code}" + (f" (codes {codes})" if codes else "")
    return f"X unreachable ({type(exc).__name__})"


class XAccount:
    """The brand's X account: its id (RRBOT_X_USER_ID, or looked up once with user-context get_me) and
    handle (for links to posts), looked up on first use and kept."""

    def __init__(self, client: tweepy.Client, user_id: str | None) -> None:
        self.client, self._id, self._handle = client, user_id, None
        self._lock = threading.Lock()

    def resolve(self) -> tuple[str, str | None]:
        with self._lock:
            if self._id is None:
                data = self.client.get_me(user_auth=True, user_fields=["username"]).json()["data"]
                self._id, self._handle = str(data["id"]), data.get("username")
            elif self._handle is None:
                data = self.client.get_user(id=self._id, user_fields=["username"]).json().get("data") or {}
                self._handle = data.get("username")
            return self._id, self._handle
