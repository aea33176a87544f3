"""Several server processes over one PostgreSQL: `serve --workers N` works, and the rate limit
is one count across processes (idempotency and concurrency across processes are tested in
test_idempotency_race and test_concurrent_batches)."""

from __future__ import annotations

import asyncio
import contextlib
from pathlib import Path

import httpx
import pytest

from orderflow.bootstrap import Container
from orderflow.config import Settings
from tests.builders import make_orders, make_tenant
from tests.servers import running_server
from tests.system.checks import STRESS, assert_chains_are_whole

WORKERS = 4 if STRESS else 2
LIMITED = {"ORDERFLOW_RATE_LIMIT_PER_10S": "0", "ORDERFLOW_RATE_LIMIT_PER_HOUR": "10"}


@pytest.mark.postgresql_only
async def test_serve_with_several_workers(
    settings: Settings, container: Container, tmp_path: Path
) -> None:
    tenant = await make_tenant(container)
    ids = await make_orders(container, tenant, 40)
    with running_server(settings.database_url, tmp_path, workers=WORKERS) as server:

        async def change(id_: int) -> int:
            # A fresh connection each time, so the requests spread over the workers.
            async with httpx.AsyncClient(base_url=server.url, timeout=60) as client:
                body = {"ids": [id_, ids[0]], "status": "confirmed", "payment_status": "paid"}
                response = await client.post(
                    "/v3/orders/change-status", json=body, headers=tenant.headers
                )
                return response.status_code

        codes = await asyncio.gather(*(change(id_) for id_ in ids))

    assert set(codes) == {200}
    await assert_chains_are_whole(container, tenant.business_id)


@pytest.mark.postgresql_only
async def test_rate_limit_is_one_count_across_processes(
    settings: Settings, container: Container, tmp_path: Path
) -> None:
    tenant = await make_tenant(container)
    with contextlib.ExitStack() as stack:
        urls = [
            stack.enter_context(running_server(settings.database_url, tmp_path, env=LIMITED)).url
            for _ in range(2)
        ]
        async with httpx.AsyncClient(timeout=60) as client:
            answers = [
                await client.get(urls[n % 2] + "/v3/me", headers=tenant.headers) for n in range(16)
            ]

    codes = [a.status_code for a in answers]
    assert codes == [200] * 10 + [429] * 6
    assert answers[-1].headers["x-ratelimit-remaining"] == "0"
