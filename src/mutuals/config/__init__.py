"""Settings, read from MUTUALS_* environment variables (see docs/CLI contract)."""

from functools import lru_cache
from typing import Literal

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from mutuals.config.location import default_database_url


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="MUTUALS_", extra="ignore")

    # Storage
    # Default: the embedded SQLite file in the user's data directory (config/location.py).
    database_url: str = Field(default_factory=default_database_url)
    # Optional PostgreSQL read replica, used by the public read endpoints only (their
    # answers may lag the primary by the replication delay).
    read_database_url: str | None = None
    # Connections kept open per worker. Requests beyond it open overflow connections that
    # are closed again on return; opening one costs more than a whole read, so the pool
    # should cover a worker's usual concurrency.
    database_pool_size: int = Field(default=32, ge=1)
    database_max_overflow: int = Field(default=16, ge=0)
    # Bound how long a request waits on the database before answering 503: to connect (or
    # for a pooled connection), and for any one statement (enforced by the server, and by
    # the client for a server that stops answering altogether).
    database_connect_timeout_seconds: float = Field(default=5.0, gt=0)
    database_statement_timeout_seconds: float = Field(default=5.0, gt=0)

    # Credentials
    secret_key: SecretStr | None = Field(default=None, min_length=32)
    access_token_ttl_seconds: int = Field(default=30 * 60, ge=1)
    refresh_token_ttl_seconds: int = Field(default=30 * 24 * 3600, ge=1)
    # Two tabs refreshing with the same token inside this window both get the successor.
    refresh_reuse_grace_seconds: float = Field(default=30.0, ge=0)

    # Rate limits
    redis_url: str | None = None
    rate_limits: Literal["on", "off"] = "on"
    rate_limit_connection_request: str = "25/5minutes"
    rate_limit_connection_change: str = "50/5minutes"
    rate_limit_default: str = "100/5minutes"
    rate_limit_auth: str = "20/5minutes"
    # Follow, unfollow (both forms), block and unblock share one allowance.
    rate_limit_follow_block: str = "75/5minutes"
    # Batch relationships, suggestions (and dismissing one), mutual lists.
    rate_limit_discovery: str = "100/5minutes"
    # User suggestions and search: autocomplete asks at every keystroke.
    rate_limit_user_search: str = "300/5minutes"
    # Comma-separated addresses whose X-Forwarded-For is believed.
    trusted_proxies: str = ""

    # Follows: a follow/unfollow loop notifies the followed user at most once per window.
    follow_notification_window: float = Field(default=24 * 3600, ge=0)

    # Discovery: a dismissed suggestion stays out of a user's suggestions this long.
    suggestion_dismiss_days: float = Field(default=90, ge=0)

    # Webhooks (API.md §9). Plain http:// and private, loopback or link-local addresses are
    # refused unless this is true (tests, single-host setups).
    webhooks_allow_private: bool = False
    # Whether `serve` runs the dispatcher in each worker (`serve --no-dispatcher` turns it
    # off; `mutuals dispatch` runs it alone).
    webhook_dispatcher: bool = True
    # An attempt succeeds on a 2xx within this time.
    webhook_timeout_seconds: float = Field(default=10.0, gt=0)
    # Seconds between attempts, with jitter; the last one repeats until the delivery is
    # this many hours old, when it is marked dead.
    webhook_retry_delays: str = Field(default="30,120,600,3600,21600", pattern=r"^[0-9.,\s]+$")
    webhook_give_up_hours: float = Field(default=72.0, gt=0)
    # Attempts one dispatcher has in flight at once.
    webhook_max_in_flight: int = Field(default=32, ge=1)
    # Events (and their delivery log) are kept this long once nothing is left to deliver.
    event_retention_days: float = Field(default=7.0, gt=0)

    # HTTP
    max_body_bytes: int = 64 * 1024

    # Operations: log lines as JSON, as short text, or (auto) text on a terminal only;
    # /metrics answers loopback callers, and anyone with this token as a Bearer credential.
    log_format: Literal["auto", "json", "console"] = "auto"
    metrics_token: SecretStr | None = None

    @field_validator("database_url")
    @classmethod
    def _database_driver(cls, url: str) -> str:
        return normalize_database_url(url)

    @field_validator("read_database_url")
    @classmethod
    def _read_database_driver(cls, url: str | None) -> str | None:
        return None if url is None else normalize_database_url(url)

    def secret_key_problem(self) -> str | None:
        """Why the configured secret may not sign tokens in production, or None."""
        if self.secret_key is None:
            return None
        secret = self.secret_key.get_secret_value()
        if len(secret.encode()) < MIN_SECRET_BYTES:
            return f"MUTUALS_SECRET_KEY must be at least {MIN_SECRET_BYTES} bytes"
        if secret in PLACEHOLDER_SECRETS:
            return (
                "MUTUALS_SECRET_KEY is the placeholder from the docs; "
                "generate one: python3 -c 'import secrets; print(secrets.token_urlsafe(48))'"
            )
        return None


# Secrets printed in the project's own docs: a deployment that copied one verbatim would
# sign tokens anyone can forge, so `serve` refuses them.
PLACEHOLDER_SECRETS = frozenset(
    {"change-me-to-64-random-characters-from-a-password-generator-xxxxxx"}
)
MIN_SECRET_BYTES = 32

_DRIVERS = {
    "postgresql": "postgresql+asyncpg",
    "postgres": "postgresql+asyncpg",
    "postgresql+asyncpg": "postgresql+asyncpg",
    "postgresql+psycopg": "postgresql+asyncpg",
    "postgresql+psycopg2": "postgresql+asyncpg",
    "sqlite": "sqlite+aiosqlite",
    "sqlite+aiosqlite": "sqlite+aiosqlite",
    "sqlite+pysqlite": "sqlite+aiosqlite",
}
URL_HELP = "write postgresql://USER@HOST:5432/DATABASE or sqlite:///PATH/TO/mutuals.db"


def normalize_database_url(url: str) -> str:
    """The async driver's URL for what people write: `postgres://`, `postgresql://` and a
    plain `sqlite:///` mean asyncpg and aiosqlite; anything else is refused with what to
    write (never echoing the URL, which may hold a password)."""
    scheme, separator, rest = url.strip().partition("://")
    driver = _DRIVERS.get(scheme.lower())
    if not separator or driver is None:
        raise ValueError(f"unsupported database URL; {URL_HELP}")
    return f"{driver}://{rest}"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
