"""The `orderflow` command as a user runs it: a real process on a real database."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from orderflow.config import Settings


def orderflow(settings: Settings, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "ORDERFLOW_DATABASE_URL": settings.database_url}
    return subprocess.run(
        [sys.executable, "-m", "orderflow", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_business_and_keys_lifecycle(settings: Settings) -> None:
    # given a migrated database
    assert orderflow(settings, "migrate").returncode == 0
    # when a business is created, it prints exactly one JSON object with an sk_ key
    created = orderflow(settings, "business", "create", "--name", "Toko Siti")
    assert created.returncode == 0, created.stderr
    business = json.loads(created.stdout)
    assert set(business) == {"business_id", "api_key", "contract"}
    assert business["contract"] == "2026-07-21"  # the newest, unless --contract says otherwise
    assert business["api_key"].startswith("sk_")
    # and a restricted key can be made and revoked by its prefix
    restricted = orderflow(
        settings, "apikey", "create", "--business", str(business["business_id"]),
        "--scope", "order:read", "--scope", "order:list",
    )  # fmt: skip
    assert restricted.returncode == 0, restricted.stderr
    key = json.loads(restricted.stdout)
    assert key["api_key"].startswith("rk_") and key["api_key"].startswith(key["prefix"])
    assert orderflow(settings, "apikey", "revoke", key["prefix"]).returncode == 0
    again = orderflow(settings, "apikey", "revoke", key["prefix"])
    assert again.returncode != 0 and "no active API key" in again.stderr


def test_bad_scope_and_unknown_business_fail_clearly(settings: Settings) -> None:
    assert orderflow(settings, "migrate").returncode == 0
    bad = orderflow(settings, "apikey", "create", "--business", "1", "--scope", "order:all")
    assert bad.returncode == 2 and "invalid choice" in bad.stderr
    missing = orderflow(settings, "apikey", "create", "--business", "999")
    assert missing.returncode == 1 and "business 999 not found" in missing.stderr


@pytest.mark.slow
def test_demo_is_idempotent(settings: Settings) -> None:
    first = orderflow(settings, "demo", "--orders", "60")
    assert first.returncode == 0, first.stderr
    assert "Bearer sk_demostore001_" in first.stderr
    second = orderflow(settings, "demo", "--orders", "60")
    assert second.returncode == 0 and "already there" in second.stderr
    import asyncio

    from sqlalchemy import func, select

    from orderflow.adapters.tables import businesses, orders
    from orderflow.bootstrap import build

    async def counts() -> tuple[int, int, set[str]]:
        container = build(settings)
        async with container.engine.connect() as conn:
            n_orders = (await conn.execute(select(func.count()).select_from(orders))).scalar_one()
            n_biz = (await conn.execute(select(func.count()).select_from(businesses))).scalar_one()
            statuses = set((await conn.execute(select(orders.c.status).distinct())).scalars())
        await container.close()
        return n_orders, n_biz, statuses

    n_orders, n_businesses, statuses = asyncio.run(counts())
    assert (n_orders, n_businesses) == (60, 1)
    assert len(statuses) == 10


def test_housekeeping_runs_one_round_and_says_what_it_purged(settings: Settings) -> None:
    assert orderflow(settings, "migrate").returncode == 0
    done = orderflow(settings, "housekeeping")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == {
        "purged": {
            "idempotency_keys": 0,
            "rate_limit_windows": 0,
            "events": 0,
            "deliveries": 0,
            "attempts": 0,
            "history": 0,
        }
    }


def test_reseal_webhook_secrets_says_how_many_it_sealed(settings: Settings) -> None:
    assert orderflow(settings, "migrate").returncode == 0
    done = orderflow(settings, "reseal-webhook-secrets")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == {"resealed": 0}
