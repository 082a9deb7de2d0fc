"""The X connector as the app uses it: built from settings, or None when X is off."""

from __future__ import annotations

import logging
from dataclasses import dataclass

import tweepy

from bot.settings import Settings
from bot.sources.x.client import XAccount, build_client
from bot.sources.x.replier import XReplier

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class XConnector:
    client: tweepy.Client
    account: XAccount
    reads: bool  # X_BEARER_TOKEN: mentions are polled
    replier: XReplier | None  # the four OAuth 1.0a user credentials: replies are posted


def connect(settings: Settings) -> XConnector | None:
    if not (settings.x_read_enabled or settings.x_post_enabled):
        return None
    reads = settings.x_read_enabled
    if reads and settings.x_user_id is None and not settings.x_post_enabled:
        log.error("X mentions are not polled: set RRBOT_X_USER_ID (an app-only token cannot look up its account)")
        reads = False
    client = build_client(settings)
    account = XAccount(client, settings.x_user_id)
    replier = XReplier(client, account) if settings.x_post_enabled else None
    return XConnector(client=client, account=account, reads=reads, replier=replier)
