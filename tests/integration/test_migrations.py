"""Migrations that move existing data, on a database that already holds it: up and back down."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import asyncpg
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from orderflow.adapters.migrate import current_revision, downgrade, upgrade
from orderflow.bootstrap import build
from orderflow.config import Settings
from tests.conftest import PG_ADMIN_URL, Database

_BUSINESS = "INSERT INTO businesses (name, created_at) VALUES ('Toko', '2026-11-27 01:00:00+00')"
_ORDER = (
    "INSERT INTO orders (business_id, order_id, status, payment_status, customer_name, "
    "customer_phone, subtotal, shipping_cost, total, version, created_at, updated_at) "
    "VALUES (1, '261127ABC', 'pending', 'unpaid', 'Siti Aminah', '+6281234567890', 0, 0, 0, 1, "
    "'2026-11-27 01:00:00+00', '2026-11-27 01:00:00+00')"
)


@pytest.fixture
async def blank(database: Database, tmp_path: Path) -> AsyncIterator[AsyncEngine]:
    """An engine on an empty database of this test's kind (not the shared migrated one)."""
    if database.kind == "sqlite":
        container = build(Settings(database_url=f"sqlite:///{tmp_path / 'blank.db'}"))
        yield container.engine
        await container.close()
        return
    name = f"orderflow_migrations_{uuid.uuid4().hex[:8]}"
    admin = await asyncpg.connect(PG_ADMIN_URL)
    await admin.execute(f'CREATE DATABASE "{name}"')
    container = build(Settings(database_url=f"{PG_ADMIN_URL.rsplit('/', 1)[0]}/{name}"))
    try:
        yield container.engine
    finally:
        await container.close()
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()


async def _scalar(engine: AsyncEngine, sql: str) -> object:
    async with engine.connect() as conn:
        return (await conn.execute(text(sql))).scalar()


async def _indexes(engine: AsyncEngine) -> set[str]:
    sql = "SELECT indexname FROM pg_indexes WHERE indexname LIKE '%search_trgm'"
    async with engine.connect() as conn:
        return {r[0] for r in await conn.execute(text(sql))}


async def test_0006_fills_search_for_existing_orders_and_downgrades(blank: AsyncEngine) -> None:
    await upgrade(blank, "0005")
    async with blank.begin() as conn:
        await conn.execute(text(_BUSINESS))
        await conn.execute(text(_ORDER))
    pg = blank.dialect.name == "postgresql"
    if pg:
        assert await _indexes(blank) == {"ix_orders_search_trgm"}

    await upgrade(blank, "0006")
    assert await current_revision(blank) == "0006"
    document = await _scalar(blank, "SELECT document FROM order_search")
    assert document == "261127ABC Siti Aminah +6281234567890 "
    if pg:  # the trigram index moved from orders to order_search
        assert await _indexes(blank) == {"ix_order_search_trgm"}

    await downgrade(blank, "0005")
    assert await current_revision(blank) == "0005"
    if pg:
        assert await _indexes(blank) == {"ix_orders_search_trgm"}
    async with blank.begin() as conn:  # no trigger left behind to write to a dropped table
        await conn.execute(text(_ORDER.replace("261127ABC", "261127ABD")))
    await upgrade(blank)
    assert await _scalar(blank, "SELECT count(*) FROM order_search") == 2


def _event(id_: int, dispatched: str | None) -> str:
    at = "NULL" if dispatched is None else f"'{dispatched}'"
    return (
        "INSERT INTO outbox (id, business_id, event_id, event_type, payload, created_at, "
        f"dispatched_at) VALUES ({id_}, 1, 'evt_{id_}', 'order.created', '{{}}', "
        f"'2026-11-27 01:00:00+00', {at})"
    )


async def test_0007_queues_the_undispatched_events_and_downgrades(blank: AsyncEngine) -> None:
    await upgrade(blank, "0006")
    async with blank.begin() as conn:
        await conn.execute(text(_BUSINESS))
        await conn.execute(text(_event(1, "2026-11-27 01:00:01+00")))
        await conn.execute(text(_event(2, None)))

    await upgrade(blank, "0007")
    queued = "SELECT count(*) * 100 + max(outbox_id) FROM outbox_pending"
    assert await _scalar(blank, queued) == 102  # one event queued: event 2
    async with blank.begin() as conn:  # new events queue themselves (the trigger)
        await conn.execute(text(_event(3, None)))
        await conn.execute(text("DELETE FROM outbox_pending WHERE outbox_id = 2"))
    assert await _scalar(blank, "SELECT count(*) FROM outbox_pending") == 1

    await downgrade(blank, "0006")
    undispatched = "SELECT count(*) FROM outbox WHERE dispatched_at IS NULL"
    assert await _scalar(blank, undispatched) == 1  # event 3: not fanned out yet
    async with blank.begin() as conn:  # no trigger left behind to write to a dropped table
        await conn.execute(text(_event(4, None)))
    assert await _scalar(blank, undispatched) == 2


async def test_0008_gives_existing_orders_uuids_pins_old_keys_and_downgrades(
    blank: AsyncEngine,
) -> None:
    await upgrade(blank, "0007")
    async with blank.begin() as conn:
        await conn.execute(text(_BUSINESS))
        await conn.execute(text(_ORDER))
        await conn.execute(
            text(
                "INSERT INTO api_keys (business_id, prefix, key_hash, scopes, created_at) "
                "VALUES (1, 'sk_old', 'x', 'order:read', '2026-11-27 01:00:00+00')"
            )
        )
    await upgrade(blank, "0008")
    value = str(await _scalar(blank, "SELECT uuid FROM orders"))
    digits = value.replace("-", "")
    assert len(digits) == 32 and digits[12] == "7"  # a UUIDv7 ...
    assert int(digits[:12], 16) == 1795741200000  # ... whose time is the order's created_at
    assert await _scalar(blank, "SELECT contract FROM api_keys") == "2025-01-01"
    async with blank.begin() as conn:  # an insert that gives no UUID (the release before) gets one
        await conn.execute(text(_ORDER.replace("261127ABC", "261127ABD")))
    assert await _scalar(blank, "SELECT count(DISTINCT uuid) FROM orders") == 2
    await downgrade(blank, "0007")
    assert await current_revision(blank) == "0007"
    await upgrade(blank)
    assert await _scalar(blank, "SELECT count(uuid) FROM orders") == 2


_ENDPOINT = (
    "INSERT INTO webhook_endpoints (id, business_id, url, secret, is_active, contract, "
    "created_at, updated_at) VALUES (1, 1, 'https://example.com/hook', 's', true, "
    "'2025-01-01', '2026-11-27 01:00:00+00', '2026-11-27 01:00:00+00')"
)
_DELIVERY = (
    "INSERT INTO webhook_deliveries (id, business_id, endpoint_id, outbox_id, event_id, "
    "event_type, order_id, sequence, status, attempts, max_attempts, next_attempt_at, "
    "created_at, updated_at) VALUES ({id}, 1, 1, 1, 'evt_1', '{type}', NULL, 1, 'pending', 1, "
    "8, '2026-11-27 01:00:00+00', '2026-11-27 01:00:00+00', '2026-11-27 01:00:00+00')"
)
_ATTEMPT = (
    "INSERT INTO webhook_attempts (delivery_id, number, attempted_at, status_code, latency_ms) "
    "VALUES (1, 1, '2026-11-27 01:00:00+00', 500, 12)"
)


async def test_0011_keeps_deliveries_and_attempts_and_lets_one_row_have_two(
    blank: AsyncEngine,
) -> None:
    # given an event with a delivery that was attempted once (the release before)
    await upgrade(blank, "0010")
    async with blank.begin() as conn:
        for sql in (_BUSINESS, _event(1, None), _ENDPOINT):
            await conn.execute(text(sql))
        await conn.execute(text(_DELIVERY.format(id=1, type="order.created")))
        await conn.execute(text(_ATTEMPT))
    # when the schema moves to one row per order change
    await upgrade(blank, "0011")
    # then the delivery and its attempt are there, and still refer to each other
    joined = (
        "SELECT count(*) FROM webhook_attempts a "
        "JOIN webhook_deliveries d ON d.id = a.delivery_id WHERE d.status = 'pending'"
    )
    assert await _scalar(blank, joined) == 1
    # and a second delivery of the same row to the same endpoint, for its other event, fits
    async with blank.begin() as conn:
        await conn.execute(text(_DELIVERY.format(id=2, type="order.payment_status_changed")))
    # and the relay's partial indexes came back as they were
    if blank.dialect.name == "sqlite":
        indexes = "SELECT sql FROM sqlite_master WHERE name = 'ix_webhook_deliveries_due'"
    else:
        indexes = "SELECT indexdef FROM pg_indexes WHERE indexname = 'ix_webhook_deliveries_due'"
    assert "pending" in str(await _scalar(blank, indexes))
    # and going back refuses only while a row holds two events
    async with blank.begin() as conn:
        await conn.execute(text("DELETE FROM webhook_deliveries WHERE id = 2"))
        await conn.execute(text("UPDATE outbox SET next_event_type = 'order.updated'"))
    with pytest.raises(RuntimeError, match="second events"):
        await downgrade(blank, "0010")
    async with blank.begin() as conn:
        await conn.execute(text("UPDATE outbox SET next_event_type = NULL"))
    await downgrade(blank, "0010")
    assert await _scalar(blank, joined) == 1
    await upgrade(blank)


async def test_0012_keeps_history_rows_and_downgrades(blank: AsyncEngine) -> None:
    # given an order with a history row written before the revert columns
    await upgrade(blank, "0011")
    row = (
        "INSERT INTO order_status_history (business_id, order_id, from_status, to_status, "
        "from_payment_status, to_payment_status, request_id, shipment_receipt, kind, created_at) "
        "VALUES (1, 1, 'pending', 'shipped', 'unpaid', 'unpaid', 'req-1', 'JNE-1', 'status', "
        "'2026-11-27 02:00:00+00')"
    )
    async with blank.begin() as conn:
        for sql in (_BUSINESS, _ORDER, row):
            await conn.execute(text(sql))
    # when the schema gets the revert columns
    await upgrade(blank, "0012")
    # then the row is there, with nothing recorded of what it replaced and reverting nothing
    assert (
        await _scalar(
            blank,
            "SELECT count(*) FROM order_status_history WHERE request_id = 'req-1' "
            "AND previous_details IS NULL AND reverts IS NULL AND shipment_receipt = 'JNE-1'",
        )
        == 1
    )
    # and it goes back (the row kept), and forward again
    await downgrade(blank, "0011")
    assert await _scalar(blank, "SELECT count(*) FROM order_status_history") == 1
    await upgrade(blank)
    assert await current_revision(blank) == "0012"
