"""SIGKILL the server in the middle of a 10,000-id change: all or nothing, then the retry with
the same key applies exactly once."""

from __future__ import annotations

import asyncio
import contextlib
import time
from pathlib import Path

import httpx
from sqlalchemy import func, select

from orderflow.adapters.tables import idempotency_keys, order_status_history, orders
from orderflow.bootstrap import Container
from orderflow.config import Settings
from tests.builders import make_orders, make_tenant
from tests.servers import running_server, start_server
from tests.system.checks import STRESS

N = 10_000
# When to kill, as fractions of how long the whole change takes here (measured first): early
# ones land while the body is parsed or the rows are locked and written, late ones around the
# commit, and past 1.0 after it (then the retry must be a replay).
FRACTIONS = [0.05, 0.3, 0.5, 0.7, 0.9, 0.97, 1.3] if STRESS else [0.5, 1.3]


async def _counts(container: Container) -> tuple[dict[str, int], int, int]:
    async with container.engine.connect() as conn:
        grouped = await conn.execute(
            select(orders.c.status, func.count()).group_by(orders.c.status)
        )
        by_status = {status: int(count) for status, count in grouped}
        changes = (
            await conn.execute(
                select(func.count()).where(order_status_history.c.from_status.is_not(None))
            )
        ).scalar_one()
        keys = (await conn.execute(select(func.count()).select_from(idempotency_keys))).scalar()
    return by_status, int(changes), int(keys or 0)


async def test_sigkill_mid_change_is_all_or_nothing(
    settings: Settings, container: Container, tmp_path: Path
) -> None:
    tenant = await make_tenant(container)
    ids = await make_orders(container, tenant, N)
    with running_server(settings.database_url, tmp_path) as server:
        async with httpx.AsyncClient(timeout=120) as client:
            started = time.monotonic()
            calibration = await client.post(
                server.url + "/v3/orders/change-status",
                json={"ids": ids, "status": "confirmed"},
                headers={**tenant.headers, "Idempotency-Key": "calibration"},
            )
            whole_s = time.monotonic() - started
    assert calibration.status_code == 200
    outcomes = []
    for attempt, fraction in enumerate(FRACTIONS, start=1):
        moment = fraction * whole_s
        applied = attempt
        target = "pending" if attempt % 2 else "confirmed"
        body = {"ids": ids, "status": target}
        headers = {**tenant.headers, "Idempotency-Key": f"crash-{attempt}"}

        # When the server is killed `moment` seconds into the change
        server = start_server(settings.database_url, tmp_path)
        try:
            async with httpx.AsyncClient(timeout=120) as client:
                request = asyncio.create_task(
                    client.post(server.url + "/v3/orders/change-status", json=body, headers=headers)
                )
                await asyncio.sleep(moment)
                server.kill()
                with contextlib.suppress(httpx.HTTPError):
                    await request
        finally:
            server.stop()

        # Then either every order changed (with its history and the stored answer) or none
        by_status, changes, keys = await _counts(container)
        assert len(by_status) == 1, f"partial change after SIGKILL at {moment}s: {by_status}"
        done = target in by_status
        assert changes == N * (applied + done)
        assert keys == attempt + done
        outcomes.append(f"{moment:.2f}s: {'all' if done else 'none'}")

        # And the retry with the same key applies it exactly once
        with running_server(settings.database_url, tmp_path) as again:
            async with httpx.AsyncClient(timeout=120) as client:
                retry = await client.post(
                    again.url + "/v3/orders/change-status", json=body, headers=headers
                )
        assert retry.status_code == 200, retry.text
        assert (retry.headers.get("idempotent-replayed") == "true") == done
        by_status, changes, _ = await _counts(container)
        assert by_status == {target: N}
        assert changes == N * (applied + 1)
    print(f"\n10,000-id change takes {whole_s:.2f}s; SIGKILL at " + ", ".join(outcomes))
