"""Every statement on a table with a `business_id` is built by a business's scope, or says why it
works across businesses (src/orderflow/adapters/tenancy.py).

One tour of the service on each database (every route, the relay, housekeeping, the gauges) with
every statement watched (tests/tenancy_guard.py); the rest of the suite watches the statements
of every request it sends.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
import pytest
from sqlalchemy import Table, bindparam, select, text

from orderflow.adapters import driver_statements, tenancy
from orderflow.adapters.backlog import measure_backlog
from orderflow.adapters.housekeeping import Retention, housekeeping_round
from orderflow.adapters.tables import order_items, orders, outbox, webhook_endpoints
from orderflow.adapters.tenancy import BUSINESS_TABLES, SCOPED, Scope
from orderflow.adapters.webhook_sender import HttpxWebhookSender
from orderflow.bootstrap import Container
from orderflow.services.access import revoke_api_key
from orderflow.services.webhook_relay import relay_round
from tests.builders import make_tenant
from tests.receiver import always, running_receiver
from tests.relaying import fast_config
from tests.tenancy_guard import tables_of, watch

ORDER = {
    "customer": {"name": "Siti Aminah", "phone": "+6281234567890"},
    "items": [{"name": "Kaos Polos", "quantity": 2, "price": "75000.00"}],
    "shipping_cost": "12000.00",
    "payment_method": "bank_transfer",
}

# Each statement that is not scoped to one business, with the tables it may touch. A new one is
# a decision for review: add it here with its reason.
ACROSS_BUSINESSES = {
    "an API key is found by its prefix, before its business is known": {"api_keys"},
    "housekeeping purges what every business has outlived": {
        "idempotency_keys",
        "outbox",
        "webhook_deliveries",
        "order_status_history",
    },
    "the backlog gauges count every business's events": {"outbox", "webhook_deliveries"},
    "the relay fans out and delivers every business's events": {
        "outbox",
        "webhook_endpoints",
        "webhook_deliveries",
        "orders",
    },
}


async def _tour(client: httpx.AsyncClient, container: Container) -> set[int]:
    """Every route and background job of the service, for two businesses."""
    shop, other = await make_tenant(container, "Shop"), await make_tenant(container, "Other")
    h = shop.headers
    created = [(await client.post("/v3/orders", headers=h, json=ORDER)).json() for _ in range(3)]
    assert (await client.post("/v3/orders", headers=other.headers, json=ORDER)).status_code == 201
    ids = [o["id"] for o in created]
    with running_receiver(always(204)) as receiver:
        hook = await client.post(
            "/v3/webhooks",
            headers=h,
            json={"url": receiver.url, "events": ["order.status_changed"], "is_active": True},
        )
        assert hook.status_code == 201, hook.text
        hook_id = hook.json()["data"]["id"]
        change = {"ids": ids[:2], "status": "confirmed", "payment_status": "paid"}
        key = {"Idempotency-Key": "tour-1"}
        for _ in range(2):  # the second is replayed
            answer = await client.post("/v3/orders/change-status", headers=h | key, json=change)
            assert answer.status_code == 200, answer.text
        dry = await client.post(
            "/v3/orders/change-status",
            headers=h,
            params={"dry_run": "true", "on_error": "skip"},
            json={"ids": [*ids, 9_000_000], "status": "canceled"},
        )
        assert dry.status_code == 200, dry.text
        csv = f"id,status\n{ids[2]},confirmed\n"
        upload = await client.post(
            "/v3/orders/upload-change-status",
            headers=h,
            files={"file": ("orders.csv", csv.encode(), "text/csv")},
        )
        assert upload.status_code == 200, upload.text
        # (Not tests.relaying.drain: its own count of the queue is the test's, not the service's.)
        async with HttpxWebhookSender(5.0) as sender:
            while await relay_round(container.uow_factory, sender, fast_config()):
                pass
        assert receiver.all()
    for path, params in [
        ("/v3/orders", {"status": "confirmed", "search": "aminah"}),
        (f"/v3/orders/{ids[0]}", {}),
        (f"/v3/orders/{ids[0]}/status-history", {}),
        ("/v3/orders/statistics", {"group_by": "status"}),
        ("/v3/orders/export", {}),
        ("/v3/webhooks", {}),
        (f"/v3/webhooks/{hook_id}", {}),
        (f"/v3/webhooks/{hook_id}/deliveries", {}),
        ("/v3/me", {}),
    ]:
        read = await client.get(path, headers=h, params=params)
        assert read.status_code == 200, (path, read.text)
    deliveries = (await client.get(f"/v3/webhooks/{hook_id}/deliveries", headers=h)).json()
    delivery = deliveries["data"][0]["id"]
    for method, path, body in [
        ("PATCH", f"/v3/webhooks/{hook_id}", {"is_active": False}),
        ("POST", f"/v3/webhooks/{hook_id}/rotate-secret", None),
        ("POST", f"/v3/webhooks/{hook_id}/deliveries/{delivery}/redeliver", None),
        ("POST", "/v3/orders/change-status", {"ids": [ids[2]], "status": "canceled"}),
        ("POST", "/v3/orders/delete", {"ids": [ids[2]]}),
        ("DELETE", f"/v3/webhooks/{hook_id}", None),
    ]:
        done = await client.request(method, path, headers=h, json=body)
        assert done.status_code in (200, 202, 204), (path, done.text)
    later = datetime.now(UTC) + timedelta(days=40)  # keys, events and history all old by then
    purged = await housekeeping_round(container.engine, Retention(history_days=30), later)
    assert purged.events and purged.deliveries and purged.history
    assert await measure_backlog(container.engine)
    await revoke_api_key(container.uow_factory, other.key.rsplit("_", 1)[0])
    return {shop.business_id, other.business_id}


async def test_every_statement_on_a_business_table_is_scoped(
    client: httpx.AsyncClient, container: Container
) -> None:
    guard = watch(container.engine.sync_engine, only_in_requests=False)

    businesses = await _tour(client, container)

    assert not guard.violations, guard.report()
    assert {business for business, _ in guard.scoped} <= businesses
    # The tour reached every table with a business, through a scope.
    assert set().union(*(tables for _, tables in guard.scoped)) == BUSINESS_TABLES
    for why, tables in guard.across.items():
        assert why in ACROSS_BUSINESSES, f"a new statement across businesses: {why}"
        assert tables <= ACROSS_BUSINESSES[why], (why, tables)


async def test_a_statement_built_without_a_scope_is_caught(container: Container) -> None:
    guard = watch(container.engine.sync_engine, only_in_requests=False)
    async with container.engine.connect() as conn:
        await conn.execute(select(orders.c.id).where(orders.c.business_id == 1))
        await conn.execute(Scope(1).select(orders, orders.c.id))
        await conn.execute(select(order_items.c.order_id))  # no business of its own
    assert len(guard.violations) == 1 and "FROM orders" in guard.violations[0]
    assert [business for business, _ in guard.scoped] == [1]


def _sql(stmt: object) -> str:
    return " ".join(str(stmt).split())


@pytest.mark.parametrize("table", [orders, outbox, webhook_endpoints])
def test_a_scope_adds_its_business_to_every_kind_of_statement(table: Table) -> None:
    scope = Scope(7)
    for stmt in (scope.select(table), scope.update(table), scope.delete(table)):
        assert f"WHERE {table.name}.business_id = :business_id_1" in _sql(stmt)
        assert stmt.compile().params["business_id_1"] == 7
        assert stmt.get_execution_options()[SCOPED] == 7
    inserted = scope.insert(table)
    assert inserted.compile().params["business_id"] == 7
    assert inserted.get_execution_options()[SCOPED] == 7


def test_a_table_without_a_business_is_refused() -> None:
    with pytest.raises(ValueError, match="order_items has no business_id"):
        Scope(7).select(order_items)
    with pytest.raises(ValueError, match="order_items has no business_id"):
        tenancy.bound_business(order_items)


async def test_a_statement_compiled_once_must_bind_the_business(container: Container) -> None:
    dialect = container.engine.dialect
    unscoped = driver_statements.compile_statement(
        select(orders.c.id).where(orders.c.id == bindparam("id")), dialect
    )
    scoped = driver_statements.compile_statement(
        select(orders.c.id).where(tenancy.bound_business(orders)), dialect
    )
    async with container.engine.connect() as conn:
        with pytest.raises(ValueError, match="binds :business_id"):
            await Scope(1).fetch(conn, unscoped, {"id": 1})
        assert await Scope(1).fetch(conn, scoped, {}) == []


def test_tables_of_reads_what_a_statement_touches() -> None:
    sql = _sql(
        text(
            'UPDATE orders SET status = v.status FROM (VALUES (1)) AS v(id) JOIN "outbox" ON '
            "true WHERE orders.id IN (SELECT order_id FROM order_items)"
        )
    )
    assert tables_of(sql) == {"orders", "outbox", "order_items"}
