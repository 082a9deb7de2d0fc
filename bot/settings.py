"""All configuration, read once from the environment (and `.env`). Nothing else reads os.environ."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import AliasChoices, Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", env_prefix="RRBOT_", extra="ignore")

    database_url: str = "sqlite:///./var/rrbot.db"
    playbooks_dir: Path = Path("./playbooks")
    log_level: str = "INFO"

    # Model
    model_dir: Path | None = None  # None: the model shipped in classifiers/models/
    model_threads: int = Field(default=2, ge=1, le=64)
    model_max_batch: int = Field(default=256, ge=1, le=1024)

    # Workers
    run_workers: bool = True  # classification worker, outbox dispatcher and scheduler in this process
    worker_batch_size: int = Field(default=256, ge=1, le=1000)  # a backlog drains in big length-sorted batches
    worker_poll_seconds: float = Field(default=0.5, gt=0)
    claim_seconds: int = Field(default=15, ge=2)  # how long a claimed row stays with one worker
    repeat_window_hours: int = 24

    # HTTP
    max_body_bytes: int = 1_048_576
    token_cache_seconds: float = 2.0  # how long a revoked token may still pass on another replica
    # browser cookies marked Secure: unset follows the request's scheme (behind a TLS-terminating proxy set true,
    # or start uvicorn with --forwarded-allow-ips so the scheme it sees is https)
    cookie_secure: bool | None = None

    # Slack (unset: Slack is off; escalations stay visible in the API, the web page and the log)
    slack_bot_token: SecretStr | None = Field(
        default=None, validation_alias=AliasChoices("SLACK_BOT_TOKEN", "RRBOT_SLACK_BOT_TOKEN")
    )
    slack_signing_secret: SecretStr | None = Field(
        default=None, validation_alias=AliasChoices("SLACK_SIGNING_SECRET", "RRBOT_SLACK_SIGNING_SECRET")
    )
    slack_app_token: SecretStr | None = Field(  # xapp-...: Socket Mode, for a service Slack cannot reach by HTTP
        default=None, validation_alias=AliasChoices("SLACK_APP_TOKEN", "RRBOT_SLACK_APP_TOKEN")
    )
    slack_api_url: str = "https://slack.com/api/"
    escalation_channel: str | None = None
    digest_channel: str | None = None

    # X (unset: the X source is off)
    x_bearer_token: SecretStr | None = Field(default=None, validation_alias=AliasChoices("X_BEARER_TOKEN"))
    x_api_key: SecretStr | None = Field(default=None, validation_alias=AliasChoices("X_API_KEY"))
    x_api_secret: SecretStr | None = Field(default=None, validation_alias=AliasChoices("X_API_SECRET"))
    x_access_token: SecretStr | None = Field(default=None, validation_alias=AliasChoices("X_ACCESS_TOKEN"))
    x_access_token_secret: SecretStr | None = Field(
        default=None, validation_alias=AliasChoices("X_ACCESS_TOKEN_SECRET")
    )
    x_api_url: str = "https://api.x.com"  # where tweepy's requests go (tests, proxies, staging point it elsewhere)
    x_user_id: str | None = None  # the brand's account; looked up once with user-context get_me when unset
    x_poll_seconds: float = Field(default=60.0, ge=1.0)
    x_search_query: str | None = None  # optional recent-search listening; such cases are "not summoned"
    x_price_per_read: float = Field(default=0.001, ge=0)  # USD per post read (X pay-per-use, 2026)
    x_price_per_post: float = Field(default=0.015, ge=0)  # USD per post created

    # Support desks (unset: off). Webhooks in are verified; replies out go through the outbox.
    zendesk_webhook_secret: SecretStr | None = None
    zendesk_url: str | None = None  # https://<subdomain>.zendesk.com
    zendesk_email: str | None = None
    zendesk_api_token: SecretStr | None = None
    freshdesk_webhook_secret: SecretStr | None = None  # sent by Freshdesk in X-RRBot-Secret (it does not sign)
    freshdesk_url: str | None = None  # https://<domain>.freshdesk.com
    freshdesk_api_key: SecretStr | None = None
    webhook_secrets: str | None = None  # generic signed webhooks: comma-separated, two during a rotation
    webhook_tolerance_seconds: int = Field(default=300, ge=30, le=3600)  # replay window for signed webhooks

    @property
    def zendesk_replies_enabled(self) -> bool:
        return bool(self.zendesk_url and self.zendesk_email and self.zendesk_api_token)

    @property
    def freshdesk_replies_enabled(self) -> bool:
        return bool(self.freshdesk_url and self.freshdesk_api_key)

    @property
    def x_read_enabled(self) -> bool:
        return self.x_bearer_token is not None

    @property
    def x_post_enabled(self) -> bool:
        """Posting needs OAuth 1.0a user context: all four user credentials."""
        return all((self.x_api_key, self.x_api_secret, self.x_access_token, self.x_access_token_secret))

    @property
    def slack_enabled(self) -> bool:
        """A bot token, and a way for Slack to reach us: signed HTTP requests or Socket Mode (or both)."""
        return self.slack_bot_token is not None and (
            self.slack_signing_secret is not None or self.slack_app_token is not None
        )

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
