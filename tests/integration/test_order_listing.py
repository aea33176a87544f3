"""The list queries use migration 0003's indexes (plans read with the planner's seq scan off)."""

from __future__ import annotations

import importlib.util
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import Select, select, text

from orderflow.adapters import order_listing
from orderflow.adapters.migrate import MIGRATIONS
from orderflow.adapters.tables import orders
from orderflow.bootstrap import Container
from orderflow.domain.lifecycle import OrderStatus, PaymentMethod, PaymentStatus
from orderflow.services.unit_of_work import Keyset, OrderFilter
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


def test_search_document_matches_the_migration() -> None:
    path = MIGRATIONS / "versions" / "0003_order_list_indexes.py"
    spec = importlib.util.spec_from_file_location("migration_0003", path)
    assert spec is not None and spec.loader is not None
    migration = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(migration)
    assert migration.SEARCH_DOCUMENT == order_listing.SEARCH_DOCUMENT


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
        stmt = order_listing.page_query(tenant.business_id, where, after, older=True, limit=26)
        plan = await _plan(container, stmt)
        assert index in plan, plan


async def test_search_can_use_the_trigram_index_on_postgresql(container: Container) -> None:
    tenant = await make_tenant(container)
    await make_orders(container, tenant, 3)
    # Only the trigram index can serve this predicate alone: used only if the expressions match.
    stmt = select(orders.c.id).where(order_listing.search_clause("aminah"))
    plan = await _plan(container, stmt)
    if container.engine.dialect.name == "postgresql":
        assert "ix_orders_search_trgm" in plan, plan
    rows = order_listing.page_query(
        tenant.business_id, OrderFilter(search="aminah"), AFTER, older=False, limit=26
    )
    assert "ix_orders_business_id_created_at_id" in await _plan(container, rows)
