"""Many keys, each sent several times at once to real server processes: each runs once."""

from __future__ import annotations

import asyncio
import contextlib
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import func, select

from orderflow.adapters.tables import orders
from orderflow.bootstrap import Container
from orderflow.config import Settings
from tests.builders import Tenant, make_orders, make_tenant
from tests.servers import running_server
from tests.system.checks import STRESS, assert_chains_are_whole

KEYS = 60 if STRESS else 12
COPIES = 4
ORDER = {
    "customer": {"name": "Siti"},
    "items": [{"name": "Kaos", "quantity": 1, "price": "1000.00"}],
    "payment_method": "bank_transfer",
}


async def _send_until_answered(
    client: httpx.AsyncClient, url: str, tenant: Tenant, key: str, body: dict[str, Any]
) -> httpx.Response:
    """Send; while the first copy is running (409), wait as Retry-After says and send again."""
    for _ in range(200):
        response = await client.post(
            url, json=body, headers={**tenant.headers, "Idempotency-Key": key}
        )
        if response.status_code != 409:
            return response
        assert response.headers["retry-after"]
        await asyncio.sleep(0.05)
    raise AssertionError(f"key {key} stayed in use")


async def test_each_key_runs_exactly_once(
    settings: Settings, container: Container, tmp_path: Path
) -> None:
    tenant = await make_tenant(container)
    ids = await make_orders(container, tenant, KEYS)
    servers = 1 if settings.is_sqlite else 2
    with contextlib.ExitStack() as stack:
        urls = [
            stack.enter_context(running_server(settings.database_url, tmp_path)).url
            for _ in range(servers)
        ]
        async with httpx.AsyncClient(timeout=60) as client:
            sends = []
            for n in range(KEYS):
                # Half the keys create an order (a second run would create a second order),
                # half change one (a second run would answer without the replay header).
                if n % 2:
                    path, body = "/v3/orders", ORDER
                else:
                    path, body = "/v3/orders/change-status", {"ids": [ids[n]], "status": "ready"}
                for copy in range(COPIES):
                    url = urls[(n + copy) % len(urls)] + path
                    sends.append(_send_until_answered(client, url, tenant, f"key-{n}", body))
            answers = await asyncio.gather(*sends)

    for n in range(KEYS):
        copies = answers[n * COPIES : (n + 1) * COPIES]
        assert {a.status_code for a in copies} == {201 if n % 2 else 200}
        assert len({a.content for a in copies}) == 1, "replays differ from the first answer"
        first_runs = [a for a in copies if "idempotent-replayed" not in a.headers]
        assert len(first_runs) == 1, f"key-{n} ran {len(first_runs)} times"
    async with container.engine.connect() as conn:
        created = (await conn.execute(select(func.count()).select_from(orders))).scalar_one()
    assert created == KEYS + KEYS // 2
    chains = await assert_chains_are_whole(container, tenant.business_id)
    assert sum(len(chain) - 1 for chain in chains.values()) == (KEYS + 1) // 2
