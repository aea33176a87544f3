"""`python -m benchmarks.order_list`: finding orders among 1,000,000 on PostgreSQL.

1. Makes a private database `orderflow_bench_list_<pid>`, migrates it to just before 0003, seeds
   1,000,000 orders in set-based INSERTs (one big business with 900,000, ten with 10,000 each),
   then times migration 0003 (its indexes) on that table.
2. For each list scenario prints EXPLAIN (ANALYZE, BUFFERS) of the exact query the API runs.
3. Starts the real server and streams `GET /v3/orders/export` of the big business (900,000 rows)
   and of a small one (10,000 rows), reporting time, size and the server's peak RSS growth.
The database is dropped at the end. Prints figures, asserts nothing.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
import httpx
from sqlalchemy import Select

from benchmarks.server import RssProbe, Server
from orderflow.adapters.migrate import alembic_config, upgrade
from orderflow.adapters.order_listing import page_query
from orderflow.adapters.order_statistics import statistics_query
from orderflow.adapters.sql_dialect import POSTGRESQL
from orderflow.adapters.tenancy import Scope
from orderflow.bootstrap import build
from orderflow.config import Settings
from orderflow.contracts.versions import NEWEST
from orderflow.domain.lifecycle import OrderStatus, PaymentMethod, PaymentStatus
from orderflow.services.access import create_api_key
from orderflow.services.records import Keyset, OrderFilter, StatisticsQuery

PG_ADMIN_URL = os.environ.get(
    "ORDERFLOW_BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
)
BIG, SMALL, SMALL_BUSINESSES = 900_000, 10_000, 10
START = datetime(2025, 11, 27, tzinfo=UTC)
STEP_S = 31.5  # 900,000 orders over ~328 days
_FIRST = "ARRAY['Siti','Budi','Dewi','Agus','Rina','Joko','Sri','Andi','Wati','Eko']"
_LAST = "ARRAY['Aminah','Santoso','Lestari','Wijaya','Putri','Saputra','Hidayat','Kurniawan']"
# Deterministic mix: h is a pseudo-random 0..999 per order.
_STATUS = (
    "CASE WHEN h < 450 THEN 'completed' WHEN h < 600 THEN 'shipped' WHEN h < 700 THEN 'canceled' "
    "WHEN h < 780 THEN 'pending' WHEN h < 850 THEN 'confirmed' WHEN h < 880 THEN 'in_process' "
    "WHEN h < 900 THEN 'ready' WHEN h < 940 THEN 'closed' WHEN h < 975 THEN 'draft' ELSE 'rts' END"
)
_PAYMENT = (
    "CASE WHEN h < 600 THEN 'settled' WHEN h < 700 THEN 'paid' WHEN h < 995 THEN 'unpaid' "
    "ELSE 'conflict' END"
)
_METHOD = (
    "CASE WHEN h % 7 = 0 THEN 'cod' WHEN h % 7 IN (1, 2) THEN 'bank_transfer' "
    "WHEN h % 7 = 3 THEN 'qris' WHEN h % 7 = 4 THEN 'va' WHEN h % 7 = 5 THEN 'gopay' "
    "ELSE 'marketplace' END"
)
_SEED = f"""
INSERT INTO orders (business_id, order_id, status, payment_status, payment_method, customer_name,
  customer_phone, customer_email, subtotal, shipping_cost, total, version, pending_time,
  unpaid_time, created_at, updated_at)
SELECT $1, to_char(ts AT TIME ZONE 'Asia/Jakarta', 'YYMMDD')
         || translate(lpad(g::text, 7, '0'), '0123456789', 'ABCDEFGHJK'),
  {_STATUS}, {_PAYMENT}, {_METHOD},
  ({_FIRST})[1 + g % 10] || ' ' || ({_LAST})[1 + (g / 10) % 8],
  '+628' || lpad(((g::bigint * 7919) % 10000000000)::text, 10, '0'),
  lower(({_FIRST})[1 + g % 10]) || g || '@example.com',
  15000000, 1200000, 16200000, 1, ts, ts, ts, ts
FROM (SELECT g, ((g::bigint * 2654435761) % 1000)::int AS h,
             $2::timestamptz + g * make_interval(secs => $3) AS ts
      FROM generate_series(1, $4) AS g) AS s
"""


async def _admin(sql: str) -> None:
    conn = await asyncpg.connect(PG_ADMIN_URL)
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


async def _migrate_and_seed(url: str) -> tuple[list[tuple[int, str]], dict[str, float]]:
    """Businesses (id, key) with their orders, and how long migrations 0003 and 0006 (the ones
    that index existing orders) took on them."""
    from alembic.script import ScriptDirectory

    before_0003 = ScriptDirectory.from_config(alembic_config()).get_revision("0003").down_revision
    assert isinstance(before_0003, str)
    container = build(Settings(database_url=url))
    try:
        await upgrade(container.engine, before_0003)
        conn = await asyncpg.connect(url)
        try:
            # The businesses as the schema before 0003 has them; their keys come after migrating.
            business_ids = [
                await conn.fetchval(
                    "INSERT INTO businesses (name, created_at) VALUES ($1, now()) RETURNING id",
                    f"Toko {i}",
                )
                for i in range(1 + SMALL_BUSINESSES)
            ]
            started = time.perf_counter()
            for i, business_id in enumerate(business_ids):
                n, step = (BIG, STEP_S) if i == 0 else (SMALL, STEP_S * BIG / SMALL)
                await conn.execute(_SEED, business_id, START, step, n)
            print(f"seeded 1,000,000 orders in {time.perf_counter() - started:.1f} s")
            await conn.execute("VACUUM ANALYZE orders")
        finally:
            await conn.close()
        took = {}
        for revision, before in (("0003", None), ("0006", "0005"), ("0008", "0007")):
            if before is not None:
                await upgrade(container.engine, before)
            started = time.perf_counter()
            await upgrade(container.engine, revision)
            took[revision] = time.perf_counter() - started
        await upgrade(container.engine)
        tenants = []
        for business_id in business_ids:
            issued = await create_api_key(container.uow_factory, business_id, None, NEWEST.value)
            tenants.append((business_id, issued.key))
        conn = await asyncpg.connect(url)
        try:
            await conn.execute("ANALYZE orders, order_search")
        finally:
            await conn.close()
    finally:
        await container.close()
    return tenants, took


def _scenarios(business_id: int, middle: Keyset) -> list[tuple[str, Select[Any]]]:
    day = datetime(2026, 6, 1, tzinfo=UTC)
    f = OrderFilter

    def page(where: OrderFilter, after: Keyset | None = None, older: bool = True) -> Select[Any]:
        return page_query(Scope(business_id), where, after, older=older, limit=26)

    return [
        ("first page, no filter", page(f())),
        ("page 18,000 (next_cursor in the middle)", page(f(), middle)),
        ("previous_cursor in the middle", page(f(), middle, older=False)),
        ("status=confirmed (7%)", page(f(statuses=frozenset({OrderStatus.CONFIRMED})))),
        (
            "status=rts (2.5%), middle cursor",
            page(f(statuses=frozenset({OrderStatus.RTS})), middle),
        ),
        (
            "status=pending,confirmed,in_process",
            page(
                f(
                    statuses=frozenset(
                        {OrderStatus.PENDING, OrderStatus.CONFIRMED, OrderStatus.IN_PROCESS}
                    )
                )
            ),
        ),
        ("payment_status=conflict (0.5%)", page(f(payment_status=PaymentStatus.CONFLICT))),
        ("payment_method=cod", page(f(payment_method=PaymentMethod.COD))),
        (
            "one day: created_since/created_until",
            page(f(created_since=day, created_until=day + timedelta(days=1))),
        ),
        (
            "confirmed + bank_transfer + one day",
            page(
                f(
                    statuses=frozenset({OrderStatus.CONFIRMED}),
                    payment_method=PaymentMethod.BANK_TRANSFER,
                    created_since=day,
                    created_until=day + timedelta(days=1),
                )
            ),
        ),
        ("search=order number part 'BCDEF'", page(f(search="BCDEF"))),
        ("search='aminah' (1 in 8 orders)", page(f(search="aminah"))),
        ("search=phone part '4567891'", page(f(search="4567891"))),
        ("search='zzqx' (no match)", page(f(search="zzqx"))),
        ("search='xy' (2 letters: no trigram, the index cannot help)", page(f(search="xy"))),
        *_statistics(business_id),
    ]


def _statistics(business_id: int) -> list[tuple[str, Select[Any]]]:
    """GET /v3/orders/statistics as the console asks it (per status), and per day."""
    month = OrderFilter(
        created_since=datetime(2026, 6, 1, tzinfo=UTC),
        created_until=datetime(2026, 7, 1, tzinfo=UTC),
    )
    cases = [
        (
            "statistics per status, the whole business (900,000)",
            StatisticsQuery(OrderFilter(), by_status=True),
        ),
        (
            "statistics per status, one month (created_since/until)",
            StatisticsQuery(month, by_status=True),
        ),
        (
            "statistics per day of pending_time in Asia/Jakarta, one month",
            StatisticsQuery(month, period="day", time_field="pending_time"),
        ),
    ]
    return [(title, statistics_query(POSTGRESQL, Scope(business_id), q)) for title, q in cases]


async def _explain(url: str, stmt: Select[Any]) -> tuple[float, str]:
    container = build(Settings(database_url=url))
    try:
        sql = str(
            stmt.compile(
                dialect=container.engine.dialect,
                compile_kwargs={"literal_binds": True, "render_postcompile": True},
            )
        )
    finally:
        await container.close()
    conn = await asyncpg.connect(url)
    try:
        await conn.fetch(sql)  # warm the cache, as a server that is running would be
        rows = await conn.fetch("EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) " + sql)
    finally:
        await conn.close()
    lines = [r[0] for r in rows]
    took = next(float(x.split()[2]) for x in lines if x.startswith("Execution Time"))
    plan = [x for x in lines if not x.startswith(("Planning", "Execution"))]
    return took, "\n".join("    " + x for x in plan)


async def _middle(url: str, business_id: int) -> Keyset:
    conn = await asyncpg.connect(url)
    try:
        row = await conn.fetchrow(
            "SELECT created_at, id FROM orders WHERE business_id = $1 "
            "ORDER BY created_at DESC, id DESC OFFSET $2 LIMIT 1",
            business_id,
            BIG // 2,
        )
    finally:
        await conn.close()
    assert row is not None
    return Keyset(row["created_at"], row["id"])


async def _export(port: int, key: str, probe: RssProbe) -> tuple[float, int, int, float]:
    probe.start()
    started = time.perf_counter()
    size = lines = 0
    async with (
        httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=600) as client,
        client.stream(
            "GET", "/v3/orders/export", headers={"Authorization": f"Bearer {key}"}
        ) as answer,
    ):
        assert answer.status_code == 200
        async for chunk in answer.aiter_bytes():
            size += len(chunk)
            lines += chunk.count(b"\n")
    return time.perf_counter() - started, lines - 1, size, probe.growth_mb()


_HTTP_SCENARIOS: list[tuple[str, dict[str, str]]] = [
    ("first page", {}),
    ("status=rts", {"status": "rts"}),
    ("status=pending,confirmed", {"status": "pending,confirmed"}),
    ("payment_status=conflict", {"payment_status": "conflict"}),
    (
        "confirmed + bank_transfer + one day",
        {
            "status": "confirmed",
            "payment_method": "bank_transfer",
            "created_since": "2026-06-01T00:00:00+07:00",
            "created_until": "2026-06-02T00:00:00+07:00",
        },
    ),
    ("search=BCDEF", {"search": "BCDEF"}),
    ("search=aminah", {"search": "aminah"}),
]


async def _list_latency(port: int, key: str, runs: int = 30) -> None:
    """Median and 95th percentile of `GET /v3/orders` over real HTTP, then 200 pages in a row."""
    headers = {"Authorization": f"Bearer {key}"}
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", headers=headers) as client:
        for title, params in _HTTP_SCENARIOS:
            times = []
            for _ in range(runs):
                started = time.perf_counter()
                answer = await client.get("/v3/orders", params=params)
                times.append((time.perf_counter() - started) * 1000)
                assert answer.status_code == 200, answer.text
            times.sort()
            print(
                f"GET /v3/orders {title}: median {times[runs // 2]:.1f} ms, "
                f"p95 {times[int(runs * 0.95)]:.1f} ms ({len(answer.json()['data'])} orders)"
            )
        cursor, pages, started = None, 0, time.perf_counter()
        while pages < 200:
            params = {"next_cursor": cursor} if cursor else {}
            body = (await client.get("/v3/orders", params=params)).json()
            cursor, pages = body["next_cursor"], pages + 1
        took = (time.perf_counter() - started) * 1000 / pages
        print(f"paging with next_cursor: {pages} pages of 25, {took:.1f} ms per page\n")


async def main(skip_export: bool) -> None:
    name = f"orderflow_bench_list_{os.getpid()}"
    url = f"{PG_ADMIN_URL.rsplit('/', 1)[0]}/{name}"
    await _admin(f'CREATE DATABASE "{name}"')
    try:
        tenants, migration_s = await _migrate_and_seed(url)
        print(f"migration 0003 (4 indexes) on 1,000,000 orders: {migration_s['0003']:.1f} s")
        print(
            "migration 0006 (search table, its trigram index, the old one dropped) on "
            f"1,000,000 orders: {migration_s['0006']:.1f} s"
        )
        print(
            "migration 0008 (a UUIDv7 for every order, its unique index) on 1,000,000 orders: "
            f"{migration_s['0008']:.1f} s\n"
        )
        big_id, big_key = tenants[0]
        middle = await _middle(url, big_id)
        for title, stmt in _scenarios(big_id, middle):
            took, plan = await _explain(url, stmt)
            print(f"## {title}: {took:.2f} ms\n{plan}\n")
        if skip_export:
            return
        os.environ.setdefault("ORDERFLOW_SECRET_KEY", "benchmark-" + "x" * 40)
        server = Server(url, workers=1)
        try:
            await _list_latency(server.port, big_key)
            probe = RssProbe(server.pids())
            for label, key in (("10,000", tenants[1][1]), ("900,000", big_key)):
                took, rows, size, growth = await _export(server.port, key, probe)
                print(
                    f"export {label} orders: {rows:,} rows, {size / 2**20:.0f} MiB in {took:.1f} s "
                    f"({rows / took:,.0f} rows/s); server peak RSS growth {growth:.1f} MiB"
                )
        finally:
            server.stop()
    finally:
        await _admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--skip-export", action="store_true")
    asyncio.run(main(parser.parse_args().skip_export))
