"""All settings in one place, read from `ORDERFLOW_*` environment variables."""

from __future__ import annotations

import base64
import binascii
from typing import Literal

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEV_SECRET_KEY = "orderflow-dev-secret-key-not-for-production"
# The development key that seals webhook secrets (base64url of 32 bytes; refused in production).
DEV_ENCRYPTION_KEY = "b3JkZXJmbG93LWRldi1lbmNyeXB0aW9uLWtleS0wMDE"
ENCRYPTION_KEY_BYTES = 32


def decode_keys(setting: str) -> list[bytes]:
    """The keys of `ORDERFLOW_ENCRYPTION_KEYS`, newest first."""
    return [decode_key(part.strip()) for part in setting.split(",")]


def _hosts_as_query(url: str) -> str:
    """`scheme://user@h1:p1,h2:p2/db?q` as `scheme://user@/db?host=h1:p1&host=h2:p2&q`; any
    other URL as it is."""
    scheme, sep, rest = url.partition("://")
    authority, _, tail = rest.partition("/")
    credentials, at, hosts = authority.rpartition("@")
    if not sep or "," not in hosts:
        return url
    path, _, query = tail.partition("?")
    host_params = "&".join(f"host={h}" for h in hosts.split(",") if h)
    return f"{scheme}://{credentials}{at}/{path}?{host_params}{'&' + query if query else ''}"


def decode_key(text: str) -> bytes:
    """One key of `ORDERFLOW_ENCRYPTION_KEYS`: 32 bytes in base64url (padding optional)."""
    try:
        key = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError):
        key = b""
    if len(key) != ENCRYPTION_KEY_BYTES:
        raise ValueError(
            "ORDERFLOW_ENCRYPTION_KEYS must be comma-separated keys of 32 random bytes in "
            "base64url, newest first, e.g. from "
            '`python -c "import secrets; print(secrets.token_urlsafe(32))"`'
        )
    return key


class Settings(BaseSettings):
    """orderflow's configuration; every field is documented in the README's settings table."""

    model_config = SettingsConfigDict(env_prefix="ORDERFLOW_", extra="ignore")

    database_url: str = Field(
        default="sqlite:///./orderflow.db",
        description="sqlite:///path or postgresql://user:pass@host:port/db",
    )
    db_pool_size: int = Field(default=10, ge=1, description="Connections per server process.")
    db_pool_timeout_s: float = Field(default=10.0, gt=0, description="Wait for a free connection.")
    db_connect_timeout_s: float = Field(default=5.0, gt=0, description="Connect timeout.")
    db_command_timeout_s: float = Field(
        default=15.0,
        gt=0,
        description="PostgreSQL: a statement with no answer this long means the database is "
        "unreachable (503); longer than the lock timeout, so a live server answers first.",
    )
    db_lock_timeout_s: float = Field(
        default=10.0,
        gt=0,
        description="PostgreSQL lock_timeout: a statement waiting this long for rows another "
        "batch holds is run again (up to 6 times), then answered 503.",
    )
    db_pgbouncer: bool = Field(
        default=False,
        description="PostgreSQL through PgBouncer in transaction mode: no prepared statements "
        "kept across transactions, and no lock_timeout sent at connect (set it on the role or "
        "database instead, see docs/scaling.md).",
    )
    sqlite_busy_timeout_ms: int = Field(default=5000, ge=0, description="SQLite busy timeout.")
    secret_key: SecretStr = Field(
        default=SecretStr(DEV_SECRET_KEY),
        description="Signs pagination cursors (HMAC-SHA256); set a long random value.",
    )
    encryption_keys: SecretStr = Field(
        default=SecretStr(DEV_ENCRYPTION_KEY),
        description="Keys that seal webhook secrets at rest (AES-256-GCM): comma-separated, "
        "newest first; the first seals, every one opens.",
    )
    rate_limit_per_10s: int = Field(
        default=100, ge=0, description="Requests per API key per 10 seconds (0: no limit)."
    )
    rate_limit_per_hour: int = Field(
        default=10_000, ge=0, description="Requests per API key per hour (0: no limit)."
    )
    auth_cache_s: float = Field(
        default=1.0,
        ge=0,
        description="Seconds a verified API key is trusted without asking the database again; "
        "a revoked key stops working within this time (0: at once).",
    )
    idempotency_ttl_hours: float = Field(
        default=24.0, gt=0, description="How long an idempotency key and its answer are kept."
    )
    event_retention_days: float = Field(
        default=30.0,
        gt=0,
        description="Days a webhook event is kept once every delivery of it has ended "
        "(delivered, dead or canceled); one still waiting is never purged.",
    )
    history_retention_days: float | None = Field(
        default=None,
        gt=0,
        description="Days order history is kept; unset: forever (it is the audit trail).",
    )
    housekeeping_interval_s: float = Field(
        default=600.0,
        ge=0,
        description="Seconds between the housekeeping rounds each server process runs; "
        "0: none (run `orderflow housekeeping` from cron instead).",
    )
    env: Literal["production", "development"] = Field(
        default="production",
        description="development relaxes the startup safety checks (make run, tests).",
    )
    log_level: Literal["debug", "info", "warning", "error"] = Field(
        default="info", description="Level of orderflow's own loggers."
    )
    log_format: Literal["json", "text"] = Field(
        default="json", description="json: one object per line; text: for a terminal."
    )
    log_access: bool = Field(default=True, description="One log line per HTTP request.")
    metrics_token: str = Field(
        default="",
        description="Bearer token /metrics requires; empty: only clients on this host may scrape.",
    )

    @field_validator("env", "log_level", "log_format", mode="before")
    @classmethod
    def _lowercase(cls, value: object) -> object:
        return value.strip().lower() if isinstance(value, str) else value

    webhook_allow_private_urls: bool = Field(
        default=False, description="Allow webhook URLs on loopback/private addresses."
    )
    webhook_relay_in_process: bool = Field(
        default=True, description="Run an outbox relay inside each `orderflow serve` process."
    )
    webhook_timeout_s: float = Field(default=10.0, gt=0, description="Timeout of one POST.")
    webhook_retry_schedule_s: list[float] = Field(
        default=[60, 300, 1800, 3600, 10800, 21600, 43200],
        min_length=1,
        description="Waits before each retry (JSON list); attempts = len + 1.",
    )
    webhook_retry_jitter: float = Field(
        default=0.2, ge=0, le=1, description="Each wait is stretched or shrunk by up to this share."
    )
    webhook_lease_s: float = Field(
        default=60.0, gt=0, description="A leased delivery left unrecorded this long is resent."
    )
    webhook_poll_interval_s: float = Field(
        default=1.0, gt=0, description="How often an idle relay looks for work."
    )
    webhook_batch_size: int = Field(default=100, ge=1, description="Deliveries per relay round.")
    webhook_concurrency: int = Field(default=20, ge=1, description="POSTs in flight per relay.")

    @field_validator("encryption_keys")
    @classmethod
    def _keys_decode(cls, value: SecretStr) -> SecretStr:
        decode_keys(value.get_secret_value())
        return value

    @property
    def encryption_key_bytes(self) -> list[bytes]:
        """The keys of `encryption_keys`, newest first."""
        return decode_keys(self.encryption_keys.get_secret_value())

    @model_validator(mode="after")
    def _a_live_server_answers_first(self) -> Settings:
        if self.db_lock_timeout_s >= self.db_command_timeout_s:
            raise ValueError(
                "ORDERFLOW_DB_LOCK_TIMEOUT_S must be shorter than ORDERFLOW_DB_COMMAND_TIMEOUT_S"
            )
        return self

    @model_validator(mode="after")
    def _lease_outlives_a_send(self) -> Settings:
        if self.webhook_lease_s <= self.webhook_timeout_s:
            raise ValueError(
                "ORDERFLOW_WEBHOOK_LEASE_S must be longer than ORDERFLOW_WEBHOOK_TIMEOUT_S"
            )
        return self

    @property
    def is_sqlite(self) -> bool:
        """True when the database is the embedded SQLite file."""
        return self.database_url.startswith("sqlite")

    @property
    def async_database_url(self) -> str:
        """The URL with the async driver SQLAlchemy uses for it (asyncpg or aiosqlite); the
        libpq form of several hosts (`postgresql://u:p@h1:5432,h2:5432/db?...`, as for a
        Patroni cluster) in the form SQLAlchemy reads (`...@/db?host=h1:5432&host=h2:5432&...`)."""
        url = _hosts_as_query(self.database_url)
        for prefix, driver in (
            ("postgresql+asyncpg://", "postgresql+asyncpg://"),
            ("postgresql://", "postgresql+asyncpg://"),
            ("postgres://", "postgresql+asyncpg://"),
            ("sqlite+aiosqlite://", "sqlite+aiosqlite://"),
            ("sqlite://", "sqlite+aiosqlite://"),
        ):
            if url.startswith(prefix):
                return driver + url[len(prefix) :]
        raise ValueError(f"unsupported ORDERFLOW_DATABASE_URL scheme: {url.split(':', 1)[0]}")
