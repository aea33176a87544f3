"""Per-key rate limits: X-Ratelimit-* on every answer to a key, 429 with Retry-After beyond."""

from __future__ import annotations

import httpx

from orderflow.bootstrap import Container
from orderflow.config import Settings
from tests.builders import make_key, make_tenant, serving


async def test_every_answer_to_a_key_carries_its_limits(
    client: httpx.AsyncClient, container: Container
) -> None:
    tenant = await make_tenant(container)

    ok = await client.get("/v3/me", headers=tenant.headers)
    missing = await client.get("/v3/orders/999999", headers=tenant.headers)

    assert ok.status_code == 200 and missing.status_code == 404
    assert ok.headers["x-ratelimit-limit"] == "100"
    assert ok.headers["x-ratelimit-remaining"] == "99"
    assert 1 <= int(ok.headers["x-ratelimit-reset"]) <= 10
    assert missing.headers["x-ratelimit-remaining"] == "98"


async def test_over_the_limit_is_429_with_retry_after(settings: Settings) -> None:
    limited = settings.model_copy(update={"rate_limit_per_10s": 0, "rate_limit_per_hour": 3})
    async with serving(limited) as (client, container):
        tenant = await make_tenant(container)
        other_key = await make_key(container, tenant, "order:read")

        answers = [await client.get("/v3/me", headers=tenant.headers) for _ in range(4)]
        other = await client.get("/v3/me", headers={"Authorization": f"Bearer {other_key}"})

    assert [a.status_code for a in answers] == [200, 200, 200, 429]
    refused = answers[-1]
    assert refused.json()["error_code"] == "rate_limited"
    assert 1 <= int(refused.headers["retry-after"]) <= 3600
    assert refused.headers["x-ratelimit-limit"] == "3"
    assert refused.headers["x-ratelimit-remaining"] == "0"
    assert [a.headers["x-ratelimit-remaining"] for a in answers[:3]] == ["2", "1", "0"]
    assert other.status_code == 200, "the limit is per key"


async def test_zero_turns_the_limits_off(settings: Settings) -> None:
    unlimited = settings.model_copy(update={"rate_limit_per_10s": 0, "rate_limit_per_hour": 0})
    async with serving(unlimited) as (client, container):
        tenant = await make_tenant(container)
        answer = await client.get("/v3/me", headers=tenant.headers)

    assert answer.status_code == 200
    assert "x-ratelimit-limit" not in answer.headers


async def test_the_tightest_window_is_reported(settings: Settings) -> None:
    both = settings.model_copy(update={"rate_limit_per_10s": 50, "rate_limit_per_hour": 2})
    async with serving(both) as (client, container):
        tenant = await make_tenant(container)
        answer = await client.get("/v3/me", headers=tenant.headers)

    assert (answer.headers["x-ratelimit-limit"], answer.headers["x-ratelimit-remaining"]) == (
        "2",
        "1",
    )


async def test_two_app_instances_share_one_count(settings: Settings) -> None:
    # Two containers are two pools, as two server processes have; on PostgreSQL the counters
    # live in the database so both see the same count (SQLite runs one process: per process).
    limited = settings.model_copy(update={"rate_limit_per_10s": 0, "rate_limit_per_hour": 2})
    async with serving(limited) as (one, container), serving(limited) as (two, _):
        tenant = await make_tenant(container)
        answers = [
            await client.get("/v3/me", headers=tenant.headers) for client in (one, two, one, two)
        ]

    codes = [a.status_code for a in answers]
    if settings.is_sqlite:
        assert codes == [200, 200, 200, 200]
    else:
        assert codes == [200, 200, 429, 429]
