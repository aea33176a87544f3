"""Batches that mix two businesses' ids never change or reveal the other business's orders."""

from __future__ import annotations

import httpx
import pytest
from sqlalchemy import select

from orderflow.adapters.tables import orders
from orderflow.bootstrap import Container
from tests.builders import make_orders, make_tenant

URL = "/v3/orders/change-status"
NOWHERE = 9_000_000


async def _statuses(container: Container, business_id: int) -> set[tuple[str, str, int]]:
    async with container.engine.connect() as conn:
        rows = await conn.execute(
            select(orders.c.status, orders.c.payment_status, orders.c.version).where(
                orders.c.business_id == business_id
            )
        )
        return {tuple(r) for r in rows}  # type: ignore[misc]


@pytest.mark.parametrize(
    "params", [{}, {"on_error": "skip"}, {"dry_run": "true", "on_error": "skip"}]
)
async def test_mixed_batches_leave_the_other_business_alone(
    client: httpx.AsyncClient, container: Container, params: dict[str, str]
) -> None:
    shop, other = await make_tenant(container, "Shop"), await make_tenant(container, "Other")
    mine = await make_orders(container, shop, 2)
    theirs = await make_orders(container, other, 2)
    body = {"ids": [mine[0], theirs[0], mine[1], theirs[1], NOWHERE], "status": "confirmed"}

    response = await client.post(URL, params=params, json=body, headers=shop.headers)

    payload = response.json()
    rejected = {r["id"]: r for r in payload["rejected"]}
    assert set(rejected) == {theirs[0], theirs[1], NOWHERE}
    for id_ in theirs:
        # Exactly what an id that exists nowhere gets: nothing tells the two apart.
        assert rejected[id_]["error_code"] == rejected[NOWHERE]["error_code"] == "order_not_found"
        assert rejected[id_]["error"] == rejected[NOWHERE]["error"].replace(str(NOWHERE), str(id_))
    async with container.engine.connect() as conn:
        numbers = await conn.execute(select(orders.c.order_id).where(orders.c.id.in_(theirs)))
        assert not any(number in response.text for number in numbers.scalars())
    assert not any(d["id"] in theirs for d in payload.get("data", []))
    assert await _statuses(container, other.business_id) == {("pending", "unpaid", 1)}
    if params.get("dry_run"):
        assert response.status_code == 200
        assert await _statuses(container, shop.business_id) == {("pending", "unpaid", 1)}
    elif params.get("on_error") == "skip":
        assert response.status_code == 200
        assert await _statuses(container, shop.business_id) == {("confirmed", "unpaid", 2)}
    else:
        assert response.status_code == 400 and payload["error_code"] == "order_not_found"
        assert await _statuses(container, shop.business_id) == {("pending", "unpaid", 1)}


async def test_another_business_order_reads_as_not_found(
    client: httpx.AsyncClient, container: Container
) -> None:
    shop, other = await make_tenant(container, "Shop"), await make_tenant(container, "Other")
    theirs = await make_orders(container, other, 1)

    response = await client.get(f"/v3/orders/{theirs[0]}", headers=shop.headers)
    nowhere = await client.get(f"/v3/orders/{NOWHERE}", headers=shop.headers)

    assert response.status_code == nowhere.status_code == 404
    assert response.json()["error_code"] == nowhere.json()["error_code"]
