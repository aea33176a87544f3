"""The databases the benchmark runs on: a private PostgreSQL database and a temporary SQLite file.

Both get orderflow's schema from its own migrations, one business with its `sk_` key (made by
orderflow's service), and orders seeded in one set-based INSERT with the states `workload` expects.
"""

from __future__ import annotations

import os
import sqlite3
import tempfile
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from uuid import UUID

import asyncpg

from orderflow.adapters.migrate import upgrade
from orderflow.bootstrap import build
from orderflow.config import Settings
from orderflow.contracts.versions import NEWEST
from orderflow.services.access import create_business

PG_ADMIN_URL = os.environ.get(
    "ORDERFLOW_BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
)
SEED_TIME = "2026-11-20 03:00:00"


@dataclass(frozen=True, slots=True)
class BenchDatabase:
    kind: str  # "postgresql" or "sqlite"
    url: str  # ORDERFLOW_DATABASE_URL for the server
    business_id: int
    api_key: str
    first_id: int
    last_id: int

    @property
    def sqlite_path(self) -> str:
        return self.url.removeprefix("sqlite:///")


def _state_sql(column: str) -> str:
    statuses = (
        "CASE {c} % 4 WHEN 0 THEN 'pending' WHEN 1 THEN 'confirmed' "
        "WHEN 2 THEN 'in_process' ELSE 'ready' END"
    )
    payments = "CASE ({c} / 4) % 3 WHEN 0 THEN 'unpaid' WHEN 1 THEN 'conflict' ELSE 'paid' END"
    return f"{statuses.format(c=column)}, {payments.format(c=column)}"


_ORDER_COLUMNS = (
    "id, business_id, order_id, status, payment_status, payment_method, customer_name, "
    "customer_phone, customer_email, subtotal, shipping_cost, total, version, pending_time, "
    "unpaid_time, created_at, updated_at"
)


def _seed_sql(series: str, order_id: str, ts: str) -> str:
    return (
        f"INSERT INTO orders ({_ORDER_COLUMNS}) SELECT g, :business, {order_id}, "
        f"{_state_sql('g')}, 'bank_transfer', 'Siti', '+6281234567890', 'siti@example.com', "
        f"15000000, 1200000, 16200000, 1, {ts}, {ts}, {ts}, {ts} FROM {series}"
    )


_HISTORY_SQL = (
    "INSERT INTO order_status_history (business_id, order_id, to_status, to_payment_status, "
    "created_at) SELECT business_id, id, 'pending', 'unpaid', created_at FROM orders"
)


async def _tenant(url: str) -> tuple[int, str]:
    container = build(Settings(database_url=url))
    try:
        await upgrade(container.engine)
        issued = await create_business(container.uow_factory, "Toko Benchmark", NEWEST.value)
    finally:
        await container.close()
    return issued.business_id, issued.key


async def _seed_postgres(url: str, business_id: int, orders: int) -> None:
    ts = f"TIMESTAMPTZ '{SEED_TIME}+00'"
    sql = _seed_sql("generate_series(1, $2) AS g", "'2611' || lpad(g::text, 10, '0')", ts)
    conn = await asyncpg.connect(url)
    try:
        async with conn.transaction():
            await conn.execute(sql.replace(":business", "$1"), business_id, orders)
            await conn.execute(_HISTORY_SQL)
            await conn.execute("SELECT setval(pg_get_serial_sequence('orders', 'id'), $1)", orders)
        await conn.execute("VACUUM ANALYZE")
    finally:
        await conn.close()


def _seed_sqlite(path: str, business_id: int, orders: int) -> None:
    series = (
        "(WITH RECURSIVE s(g) AS (SELECT 1 UNION ALL SELECT g + 1 FROM s WHERE g < :orders) "
        "SELECT g FROM s)"
    )
    sql = _seed_sql(series, "printf('2611%010d', g)", f"'{SEED_TIME}.000000'")
    with sqlite3.connect(path) as conn:
        conn.execute(sql, {"business": business_id, "orders": orders})
        conn.execute(_HISTORY_SQL)
    with sqlite3.connect(path) as conn:
        conn.execute("ANALYZE")
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")


async def order_uuids(db: BenchDatabase) -> dict[int, str]:
    """Each seeded order's UUID (the database made them), for the cases that send UUIDs."""
    if db.kind == "postgresql":
        conn = await asyncpg.connect(db.url)
        try:
            rows = await conn.fetch("SELECT id, uuid::text FROM orders")
        finally:
            await conn.close()
        return {r[0]: r[1] for r in rows}
    with sqlite3.connect(db.sqlite_path) as conn:
        # SQLAlchemy's Uuid keeps the 32 hex digits on SQLite.
        return {i: str(UUID(hex_)) for i, hex_ in conn.execute("SELECT id, uuid FROM orders")}


@asynccontextmanager
async def postgres(orders: int) -> AsyncIterator[BenchDatabase]:
    """A private, seeded PostgreSQL database, dropped afterwards."""
    name = f"orderflow_bench_{os.getpid()}"
    base = PG_ADMIN_URL.rsplit("/", 1)[0]
    admin = await asyncpg.connect(PG_ADMIN_URL)
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()
    url = f"{base}/{name}"
    try:
        business_id, key = await _tenant(url)
        await _seed_postgres(url, business_id, orders)
        yield BenchDatabase("postgresql", url, business_id, key, 1, orders)
    finally:
        admin = await asyncpg.connect(PG_ADMIN_URL)
        try:
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await admin.close()


@asynccontextmanager
async def sqlite(orders: int) -> AsyncIterator[BenchDatabase]:
    """A seeded SQLite file in a temporary directory."""
    with tempfile.TemporaryDirectory(prefix="orderflow-bench-") as tmp:
        path = str(Path(tmp) / "bench.db")
        url = f"sqlite:///{path}"
        business_id, key = await _tenant(url)
        _seed_sqlite(path, business_id, orders)
        yield BenchDatabase("sqlite", url, business_id, key, 1, orders)
