"""Startup checks: a production server refuses a configuration that is only safe for development."""

from __future__ import annotations

from orderflow import config
from orderflow.config import Settings

MIN_SECRET_KEY_LENGTH = 32


class UnsafeConfiguration(Exception):
    """The settings are not safe for production (and ORDERFLOW_ENV is not development)."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__(explain(problems))
        self.problems = problems


def production_problems(settings: Settings, workers: int = 1) -> list[str]:
    """What makes `settings` unsafe for a production server of `workers` processes (none in
    development mode)."""
    if settings.env == "development":
        return []
    problems: list[str] = []
    secret = _secret_key(settings)
    if secret is not None and secret == getattr(config, "DEV_SECRET_KEY", None):
        problems.append(
            "ORDERFLOW_SECRET_KEY is the built-in development value: anyone can forge cursors. "
            "Set a long random value, e.g. from "
            '`python -c "import secrets; print(secrets.token_urlsafe(48))"`.'
        )
    elif secret is not None and len(secret) < MIN_SECRET_KEY_LENGTH:
        problems.append(
            f"ORDERFLOW_SECRET_KEY is shorter than {MIN_SECRET_KEY_LENGTH} characters; "
            "set a long random value."
        )
    keys = getattr(settings, "encryption_key_bytes", None)
    if keys and keys[0] == config.decode_key(config.DEV_ENCRYPTION_KEY):
        problems.append(
            "ORDERFLOW_ENCRYPTION_KEYS starts with the built-in development key: webhook secrets "
            "would be sealed with a key anyone can read. Set a random one, e.g. from "
            '`python -c "import secrets; print(secrets.token_urlsafe(32))"`.'
        )
    if settings.is_sqlite and workers > 1:
        problems.append(
            "several workers need PostgreSQL (SQLite has one writer per file): set "
            "ORDERFLOW_DATABASE_URL=postgresql://... or use --workers 1."
        )
    if getattr(settings, "webhook_allow_private_urls", False):
        problems.append(
            "ORDERFLOW_WEBHOOK_ALLOW_PRIVATE_URLS is on: webhook endpoints could reach loopback "
            "and private addresses (your database, cloud metadata). Turn it off in production."
        )
    return problems


def explain(problems: list[str]) -> str:
    """The message a refused start prints."""
    lines = ["orderflow: refusing to start: this configuration is not safe for production:"]
    lines += [f"  - {p}" for p in problems]
    lines.append(
        "For local development or tests, set ORDERFLOW_ENV=development to skip these checks."
    )
    return "\n".join(lines)


def check_production_safety(settings: Settings, workers: int = 1) -> None:
    """Raise `UnsafeConfiguration` unless `settings` are safe for `workers` server processes."""
    problems = production_problems(settings, workers)
    if problems:
        raise UnsafeConfiguration(problems)


def _secret_key(settings: Settings) -> str | None:
    value = getattr(settings, "secret_key", None)
    if value is None:
        return None
    return str(value.get_secret_value()) if hasattr(value, "get_secret_value") else str(value)
