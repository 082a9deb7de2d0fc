"""The Slack Web API client (slack_sdk) and how its errors map onto the outbox's retry rules."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.web.async_client import AsyncWebClient

from bot.enums import DeliveryCode
from bot.outbox.errors import DeliveryFailed, RetryLater
from bot.settings import Settings

log = logging.getLogger(__name__)

# errors that retrying cannot fix: the outbox row goes to `failed` at once (visible in the API)
PERMANENT = {
    "channel_not_found",
    "not_in_channel",
    "is_archived",
    "invalid_auth",
    "not_authed",
    "account_inactive",
    "token_revoked",
    "missing_scope",
    "no_permission",
    "msg_too_long",
    "invalid_blocks",
    "invalid_arguments",
    "message_not_found",
    "cant_update_message",
    "restricted_action",
    "no_text",
}
TIMEOUT_SECONDS = 10


def _token(settings: Settings) -> str:
    assert settings.slack_bot_token is not None
    return settings.slack_bot_token.get_secret_value()


def _base_url(settings: Settings) -> str:
    url = settings.slack_api_url
    return url if url.endswith("/") else url + "/"  # slack_sdk appends the method name as is


def web_client(settings: Settings) -> WebClient:
    return WebClient(token=_token(settings), base_url=_base_url(settings), timeout=TIMEOUT_SECONDS)


def async_web_client(settings: Settings) -> AsyncWebClient:
    return AsyncWebClient(token=_token(settings), base_url=_base_url(settings), timeout=TIMEOUT_SECONDS)


def call(method: Callable[..., Any], **kwargs: Any) -> dict[str, Any]:
    """Call one Web API method; raise RetryLater (429 with its Retry-After, 5xx, network) or DeliveryFailed."""
    try:
        return dict(method(**kwargs).data)
    except SlackApiError as exc:
        response = exc.response
        status = getattr(response, "status_code", 0)
        error = (response.data or {}).get("error", "") if isinstance(response.data, dict) else ""
        if status == 429:
            after = response.headers.get("Retry-After") or response.headers.get("retry-after") or "1"
            seconds = float(after) if after.isdigit() else 1.0
            raise RetryLater("Slack rate limit (429)", seconds, code=DeliveryCode.RATE_LIMITED) from exc
        if error in PERMANENT:
            raise DeliveryFailed(f"Slack refused it: {error}") from exc
        raise RetryLater(f"Slack error: {error or status}") from exc
    except (SlackClientError, OSError, ValueError) as exc:  # unreachable, timeout, garbled answer
        raise RetryLater(f"Slack unreachable ({type(exc).__name__})") from exc
