"""The list queries use migration 0003's indexes and 0006's search table (plans read with the
planner's seq scan off)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import Select, select, text

from orderflow.adapters import order_listing
from orderflow.adapters.tables import order_search, orders
from orderflow.adapters.tenancy import Scope
from orderflow.bootstrap import Container
from orderflow.domain.lifecycle import OrderStatus, PaymentMethod, PaymentStatus
from orderflow.services.records import Keyset, OrderFilter
from tests.builders import make_orders, make_tenant

AFTER = Keyset(datetime(2026, 11, 20, 3, 0, tzinfo=UTC), 10)


async def _plan(container: Container, stmt: Select[Any]) -> str:
    sql = str(
        stmt.compile(
            dialect=container.engine.dialect,
            compile_kwargs={"literal_binds": True, "render_postcompile": True},
        )
    )
    async with container.engine.connect() as conn:
        if conn.dialect.name == "postgresql":
            await conn.execute(text("SET enable_seqscan = off"))
            rows = await conn.execute(text("EXPLAIN " + sql))
        else:
            rows = await conn.execute(text("EXPLAIN QUERY PLAN " + sql))
        return "\n".join(str(r[-1]) for r in rows)


async def _documents(container: Container) -> dict[int, str]:
    async with container.engine.connect() as conn:
        rows = await conn.execute(select(order_search.c.order_id, order_search.c.document))
        return {r.order_id: r.document for r in rows}


async def test_the_database_keeps_each_orders_search_document(container: Container) -> None:
    tenant = await make_tenant(container)
    # Inserted straight into `orders`: the triggers of migration 0006, not the service, fill it.
    [id_] = await make_orders(container, tenant, 1, customer_email=None)
    [document] = (await _documents(container)).values()
    order_id = document.split(" ")[0]
    assert document == f"{order_id} Siti +6281234567890 "
    async with container.engine.begin() as conn:
        await conn.execute(
            orders.update()
            .where(orders.c.id == id_)
            .values(customer_name="Budi Santoso", customer_email="budi@example.com")
        )
    assert await _documents(container) == {
        id_: f"{order_id} Budi Santoso +6281234567890 budi@example.com"
    }
    async with container.engine.begin() as conn:
        await conn.execute(orders.update().where(orders.c.id == id_).values(status="confirmed"))
    assert await _documents(container) == {
        id_: f"{order_id} Budi Santoso +6281234567890 budi@example.com"
    }


@pytest.mark.parametrize(
    ("where", "index"),
    [
        (OrderFilter(), "ix_orders_business_id_created_at_id"),
        (OrderFilter(statuses=frozenset({OrderStatus.RTS})), "ix_orders_business_id_status_"),
        (
            OrderFilter(payment_status=PaymentStatus.CONFLICT),
            "ix_orders_business_id_payment_status_",
        ),
        (OrderFilter(payment_method=PaymentMethod.COD), "ix_orders_business_id_payment_method_"),
    ],
)
async def test_filtered_pages_use_an_index(
    container: Container, where: OrderFilter, index: str
) -> None:
    tenant = await make_tenant(container)
    await make_orders(container, tenant, 3)
    for after in (None, AFTER):
        stmt = order_listing.page_query(
            Scope(tenant.business_id), where, after, older=True, limit=26
        )
        plan = await _plan(container, stmt)
        assert index in plan, plan


async def test_search_can_use_the_trigram_index_on_postgresql(container: Container) -> None:
    tenant = await make_tenant(container)
    await make_orders(container, tenant, 3)
    stmt = select(order_search.c.order_id).where(order_search.c.document.ilike("%aminah%"))
    plan = await _plan(container, stmt)
    if container.engine.dialect.name == "postgresql":
        assert "ix_order_search_trgm" in plan, plan
    rows = order_listing.page_query(
        Scope(tenant.business_id), OrderFilter(search="aminah"), AFTER, older=False, limit=26
    )
    assert "ix_orders_business_id_created_at_id" in await _plan(container, rows)
