"""Idempotency keys over HTTP: replay, reuse, in-progress, expiry, scoping, validation."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select

from orderflow.adapters.housekeeping import Retention, housekeeping_round
from orderflow.adapters.tables import idempotency_keys, order_status_history, orders
from orderflow.api.app import create_app
from orderflow.bootstrap import Container, build
from orderflow.config import Settings
from tests.builders import Tenant, make_orders, make_tenant

URL = "/v3/orders/change-status"
ORDER = {
    "customer": {"name": "Siti"},
    "items": [{"name": "Kaos", "quantity": 1, "price": "1000.00"}],
    "payment_method": "bank_transfer",
}


def keyed(tenant: Tenant, key: str) -> dict[str, str]:
    return {**tenant.headers, "Idempotency-Key": key}


async def changes_of(container: Container, ids: list[int]) -> int:
    async with container.engine.connect() as conn:
        h = order_status_history
        query = select(func.count()).where(h.c.order_id.in_(ids), h.c.from_status.is_not(None))
        return int((await conn.execute(query)).scalar_one())


async def test_retry_with_same_key_and_body_replays_byte_for_byte(
    client: httpx.AsyncClient, container: Container
) -> None:
    tenant = await make_tenant(container)
    ids = await make_orders(container, tenant, 3)
    body = {"ids": ids, "status": "confirmed", "payment_status": "paid", "by": "kasir"}

    first = await client.post(URL, headers=keyed(tenant, "k-1"), json=body)
    second = await client.post(URL, headers=keyed(tenant, "k-1"), json=body)

    assert first.status_code == second.status_code == 200
    assert second.content == first.content
    assert second.headers["idempotent-replayed"] == "true"
    assert "idempotent-replayed" not in first.headers
    assert await changes_of(container, ids) == 3


async def test_same_key_with_another_body_is_422(
    client: httpx.AsyncClient, container: Container
) -> None:
    tenant = await make_tenant(container)
    ids = await make_orders(container, tenant, 2)
    await client.post(URL, headers=keyed(tenant, "k"), json={"ids": ids, "status": "confirmed"})

    again = await client.post(URL, headers=keyed(tenant, "k"), json={"ids": ids, "status": "ready"})

    assert again.status_code == 422
    assert again.json()["error_code"] == "idempotency_key_reused"
    async with container.engine.connect() as conn:
        statuses = (await conn.execute(select(orders.c.status))).scalars().all()
    assert set(statuses) == {"confirmed"}


async def test_refused_batch_is_stored_and_replayed(
    client: httpx.AsyncClient, container: Container
) -> None:
    tenant = await make_tenant(container)
    ids = await make_orders(container, tenant, 2, status="draft", payment_method=None)
    body = {"ids": ids, "status": "shipped"}

    first = await client.post(URL, headers=keyed(tenant, "refused"), json=body)
    second = await client.post(URL, headers=keyed(tenant, "refused"), json=body)

    assert first.status_code == second.status_code == 400
    assert first.json()["error_code"] == "invalid_transition"
    assert second.content == first.content
    assert second.headers["idempotent-replayed"] == "true"


async def test_a_request_that_fails_validation_stores_nothing(
    client: httpx.AsyncClient, container: Container
) -> None:
    tenant = await make_tenant(container)
    ids = await make_orders(container, tenant, 1)

    bad = await client.post(URL, headers=keyed(tenant, "v"), json={"ids": ids, "status": "nope"})
    good = await client.post(URL, headers=keyed(tenant, "v"), json={"ids": ids, "status": "ready"})

    assert bad.status_code == 400 and bad.json()["error_code"] == "validation_error"
    assert good.status_code == 200 and "idempotent-replayed" not in good.headers


@pytest.mark.parametrize("key", ["", "x" * 256])
async def test_key_must_be_1_to_255_characters(
    client: httpx.AsyncClient, container: Container, key: str
) -> None:
    tenant = await make_tenant(container)
    ids = await make_orders(container, tenant, 1)

    response = await client.post(
        URL, headers=keyed(tenant, key), json={"ids": ids, "status": "ready"}
    )

    assert response.status_code == 400
    assert "Idempotency-Key" in response.json()["errors"]


async def test_keys_are_scoped_to_the_business(
    client: httpx.AsyncClient, container: Container
) -> None:
    shop_a, shop_b = await make_tenant(container, "A"), await make_tenant(container, "B")
    ids_a, ids_b = await make_orders(container, shop_a, 1), await make_orders(container, shop_b, 1)

    a = await client.post(
        URL, headers=keyed(shop_a, "same"), json={"ids": ids_a, "status": "ready"}
    )
    b = await client.post(
        URL, headers=keyed(shop_b, "same"), json={"ids": ids_b, "status": "ready"}
    )

    assert a.status_code == b.status_code == 200
    assert "idempotent-replayed" not in b.headers
    assert b.json()["data"][0]["id"] == ids_b[0]


async def test_while_the_first_runs_a_retry_gets_409(
    client: httpx.AsyncClient, container: Container
) -> None:
    tenant = await make_tenant(container)
    ids = await make_orders(container, tenant, 1)
    body = {"ids": ids, "status": "ready"}

    # The first request is "running": a unit of work holds the key (on SQLite also the writer).
    async with container.uow_factory(tenant.business_id, idempotency_key="busy"):
        during = await asyncio.wait_for(
            client.post(URL, headers=keyed(tenant, "busy"), json=body), timeout=30
        )
    after = await client.post(URL, headers=keyed(tenant, "busy"), json=body)

    assert during.status_code == 409
    assert during.json()["error_code"] == "idempotency_key_in_use"
    assert during.headers["retry-after"] == "1"
    assert after.status_code == 200


async def test_create_order_with_a_key_creates_one_order(
    client: httpx.AsyncClient, container: Container
) -> None:
    tenant = await make_tenant(container)

    first = await client.post("/v3/orders", headers=keyed(tenant, "new"), json=ORDER)
    second = await client.post("/v3/orders", headers=keyed(tenant, "new"), json=ORDER)

    assert first.status_code == second.status_code == 201
    assert second.content == first.content
    async with container.engine.connect() as conn:
        assert (await conn.execute(select(func.count()).select_from(orders))).scalar_one() == 1


async def test_dry_run_ignores_the_key(client: httpx.AsyncClient, container: Container) -> None:
    tenant = await make_tenant(container)
    ids = await make_orders(container, tenant, 1)
    body = {"ids": ids, "status": "ready"}

    dry = await client.post(URL + "?dry_run=true", headers=keyed(tenant, "d"), json=body)
    real = await client.post(URL, headers=keyed(tenant, "d"), json=body)

    assert dry.status_code == real.status_code == 200
    assert "idempotent-replayed" not in real.headers
    assert await changes_of(container, ids) == 1


async def test_expired_keys_run_again_and_are_purged(settings: Settings, tmp_path: Path) -> None:
    short = settings.model_copy(update={"idempotency_ttl_hours": 1e-9})
    container = build(short)
    try:
        tenant = await make_tenant(container)
        ids = await make_orders(container, tenant, 1)
        app = create_app(container=container)
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
            body = {"ids": ids, "status": "ready"}
            await client.post(URL, headers=keyed(tenant, "old"), json=body)
            again = await client.post(URL, headers=keyed(tenant, "old"), json=body)
        assert again.status_code == 200 and "idempotent-replayed" not in again.headers

        later = datetime.now(UTC) + timedelta(seconds=1)
        purged = await housekeeping_round(container.engine, Retention(), later)

        assert purged.idempotency_keys >= 1
        async with container.engine.connect() as conn:
            left = (await conn.execute(select(func.count()).select_from(idempotency_keys))).scalar()
        assert left == 0
    finally:
        await container.close()


async def test_csv_upload_replays_though_each_retry_has_a_new_multipart_boundary(
    client: httpx.AsyncClient, container: Container
) -> None:
    tenant = await make_tenant(container)
    ids = await make_orders(container, tenant, 2)
    csv = "id,status\n" + "".join(f"{id_},confirmed\n" for id_ in ids)

    async def upload(content: str, key: str = "csv") -> httpx.Response:
        # httpx draws a new random boundary for every request, as other clients do
        files = {"file": ("orders.csv", content.encode(), "text/csv")}
        return await client.post(
            "/v3/orders/upload-change-status", headers=keyed(tenant, key), files=files
        )

    first, second = await upload(csv), await upload(csv)
    other = await upload(csv.replace("confirmed", "ready"))

    assert first.status_code == second.status_code == 200, first.text
    assert second.content == first.content
    assert second.headers["idempotent-replayed"] == "true"
    assert other.status_code == 422
    assert await changes_of(container, ids) == 2
