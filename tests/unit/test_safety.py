"""Startup refuses an unsafe production configuration, unless in development mode."""

from __future__ import annotations

import pytest

from orderflow.adapters.secret_box import new_key
from orderflow.api.app import create_app_from_env
from orderflow.cli import EXIT_CONFIG, main
from orderflow.config import Settings
from orderflow.safety import production_problems

STRONG = "k" * 48
KEYS = new_key()  # a random encryption key: only the one under test is unsafe


def test_default_secret_key_is_refused_in_production() -> None:
    problems = production_problems(Settings(env="production", encryption_keys=KEYS))
    assert len(problems) == 1 and "ORDERFLOW_SECRET_KEY" in problems[0]


def test_short_secret_key_is_refused_in_production() -> None:
    problems = production_problems(
        Settings(env="production", encryption_keys=KEYS, secret_key="short-secret")
    )
    assert len(problems) == 1 and "shorter than 32" in problems[0]


def test_sqlite_with_several_workers_is_refused_in_production() -> None:
    settings = Settings(
        env="production", encryption_keys=KEYS, secret_key=STRONG, database_url="sqlite:///x.db"
    )
    assert production_problems(settings, workers=1) == []
    [problem] = production_problems(settings, workers=4)
    assert "PostgreSQL" in problem


def test_private_webhook_urls_are_refused_in_production() -> None:
    if "webhook_allow_private_urls" not in Settings.model_fields:
        pytest.skip("webhooks are not built yet")
    settings = Settings(
        env="production", encryption_keys=KEYS, secret_key=STRONG, webhook_allow_private_urls=True
    )
    [problem] = production_problems(settings)
    assert "ORDERFLOW_WEBHOOK_ALLOW_PRIVATE_URLS" in problem


def test_a_safe_production_configuration_passes() -> None:
    settings = Settings(
        env="production",
        secret_key=STRONG,
        encryption_keys=KEYS,
        database_url="postgresql://u@db:5432/orderflow",
    )
    assert production_problems(settings, workers=4) == []


def test_development_mode_allows_everything() -> None:
    assert production_problems(Settings(env="development"), workers=4) == []


def test_serve_refuses_to_start_with_a_clear_message(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("ORDERFLOW_ENV", "production")
    monkeypatch.delenv("ORDERFLOW_SECRET_KEY", raising=False)
    monkeypatch.setenv("ORDERFLOW_DATABASE_URL", "postgresql://u@127.0.0.1:1/none")
    with pytest.raises(SystemExit) as refused:
        main(["serve", "--port", "1"])
    assert refused.value.code == EXIT_CONFIG
    message = capsys.readouterr().err
    assert message.startswith("orderflow: refusing to start")
    assert "ORDERFLOW_SECRET_KEY" in message and "ORDERFLOW_ENV=development" in message


def test_the_app_factory_refuses_too(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ORDERFLOW_ENV", "production")
    monkeypatch.delenv("ORDERFLOW_SECRET_KEY", raising=False)
    with pytest.raises(Exception, match="ORDERFLOW_SECRET_KEY"):
        create_app_from_env()


def test_the_development_encryption_key_is_refused_in_production() -> None:
    [problem] = production_problems(Settings(env="production", secret_key=STRONG))
    assert "ORDERFLOW_ENCRYPTION_KEYS" in problem


def test_a_malformed_encryption_key_is_a_clear_configuration_error() -> None:
    with pytest.raises(ValueError, match="32 random bytes in base64url"):
        Settings(encryption_keys="not-a-key")
    with pytest.raises(ValueError, match="32 random bytes in base64url"):
        Settings(encryption_keys=f"{KEYS},short")


def test_a_copy_with_another_database_url_uses_that_url() -> None:
    first = Settings(database_url="sqlite:///a.db")
    assert first.is_sqlite and first.async_database_url.endswith("a.db")
    copied = first.model_copy(update={"database_url": "postgresql://u@db:5432/x"})
    assert not copied.is_sqlite
    assert copied.async_database_url == "postgresql+asyncpg://u@db:5432/x"


def test_a_url_of_several_hosts_is_given_to_sqlalchemy_in_its_own_form() -> None:
    several = Settings(
        database_url="postgresql://u:p@h1:5432,h2:5433/db?target_session_attrs=read-write"
    )
    assert several.async_database_url == (
        "postgresql+asyncpg://u:p@/db?host=h1:5432&host=h2:5433&target_session_attrs=read-write"
    )
    assert Settings(database_url="postgresql://u@h1,h2/db").async_database_url == (
        "postgresql+asyncpg://u@/db?host=h1&host=h2"
    )
    one = Settings(database_url="postgresql://u@h1:5432/db?sslmode=require")
    assert one.async_database_url == "postgresql+asyncpg://u@h1:5432/db?sslmode=require"
