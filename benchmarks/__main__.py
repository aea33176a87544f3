"""`python -m benchmarks [--quick]`: change-status over real HTTP against the raw-SQL floor.

For each database (PostgreSQL, SQLite): seed a business, start `orderflow serve`, then
1. bulk: one request of N ids (fresh orders each run), interleaved with the floor doing the same
   batch directly with the driver;
2. small: 10-id requests from 32 concurrent clients for a fixed time, and the floor's same
   transactions from 32 concurrent connections;
3. revert: a 10,000-order change, then its revert (`POST /v3/orders/revert`), timed side by side.
Prints a table and writes results/latest.json (results/quick.json with --quick). Asserts nothing.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import sys
import time
from collections.abc import Awaitable, Callable, Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import asyncpg
import orjson
import uvloop

from benchmarks import databases, report
from benchmarks.databases import BenchDatabase
from benchmarks.floor import Floor, PostgresFloor, SqliteFloor
from benchmarks.http_load import CHANGE_STATUS, HttpConnection, change_body, closed_loop
from benchmarks.server import RssProbe, Server
from benchmarks.workload import BULK, SMALL, IdPool, Row, events_for, rows_for, seeded_state

SIZES = (1, 100, 1_000, 10_000)
CLIENTS = 32
BATCH = 10
IDS_PER_CLIENT = 200  # each small-request client cycles over its own 20 batches


@dataclass(frozen=True)
class Plan:
    orders: int
    reps: dict[int, int]
    small_seconds: float
    warmup_seconds: float


# Every bulk run takes fresh orders for orderflow and for the floor, once naming them by number
# and once by UUID: 400,000 orders are enough for both passes and the small requests.
FULL = Plan(400_000, {1: 30, 100: 15, 1_000: 7, 10_000: 5}, 20.0, 3.0)
QUICK = Plan(200_000, {1: 10, 100: 5, 1_000: 3, 10_000: 3}, 6.0, 1.5)


class States(dict[int, tuple[str, str]]):
    """Each order's (status, payment status) as the benchmark has left it."""

    def __missing__(self, id_: int) -> tuple[str, str]:
        return seeded_state(id_)


async def open_floor(db: BenchDatabase) -> Floor:
    if db.kind == "postgresql":
        return await PostgresFloor.open(db.url, db.business_id)
    return await SqliteFloor.open(db.sqlite_path, db.business_id)


async def request_change(
    conn: HttpConnection, db: BenchDatabase, ids: Sequence[object], body: bytes
) -> str | None:
    status, answer = await conn.post(CHANGE_STATUS, body, db.api_key)
    if status != 200:
        return f"HTTP {status}: {answer[:300]!r}"
    if len(orjson.loads(answer)["data"]) != len(ids):
        return f"answer has the wrong number of orders: {answer[:300]!r}"
    return None


async def bulk(
    db: BenchDatabase,
    plan: Plan,
    pool: IdPool,
    server: Server,
    uuids: dict[int, str] | None = None,
) -> dict[str, Any]:
    """One request of N ids, interleaved with the floor's same batch, `plan.reps[N]` times;
    with `uuids`, the request names its orders by UUID (the floor by number, as always)."""
    states, floor = States(), await open_floor(db)
    conn = await HttpConnection.open(server.port)
    probe = RssProbe(server.pids())
    results: dict[str, Any] = {}
    rng = random.Random(6)

    async def both(n: int) -> tuple[float, float, float]:
        rows = rows_for(pool.take(n), states, BULK)
        floor_s = await floor.change(rows, list(events_for(rows)), BULK)
        numbers = pool.take(n)
        rng.shuffle(numbers)  # a manifest comes in any order; orderflow sorts for locking
        ids: list[Any] = numbers if uuids is None else [uuids[i] for i in numbers]
        body = change_body(ids, BULK.status, BULK.payment_status, BULK.payment)
        probe.start()
        start = time.perf_counter()
        problem = await request_change(conn, db, ids, body)
        elapsed = time.perf_counter() - start
        if problem is not None:
            raise RuntimeError(f"bulk {n}: {problem}")
        return elapsed, floor_s, probe.growth_mb()

    try:
        for n in SIZES[:-1]:  # warm up: prepared statements, caches, code paths
            await both(n)
        for n in SIZES:
            runs = [await both(n) for _ in range(plan.reps[n])]
            results[str(n)] = report.bulk_entry(
                [r[0] for r in runs], [r[1] for r in runs], n, [r[2] for r in runs]
            )
            named = "uuid" if uuids is not None else "number"
            print(f"  {db.kind} bulk {n} ({named}): {results[str(n)]}", file=sys.stderr)
    finally:
        await conn.close()
        await floor.close()
    return results


def _batches(ids: list[int]) -> list[list[int]]:
    return [ids[i : i + BATCH] for i in range(0, len(ids), BATCH)]


class SmallClients:
    """32 clients, each cycling over its own batches, switching target on every pass."""

    def __init__(self, pool: IdPool) -> None:
        self.batches = [_batches(pool.take(IDS_PER_CLIENT)) for _ in range(CLIENTS)]
        self.done = [0] * CLIENTS

    def next(self, client: int) -> tuple[list[int], int]:
        step = self.done[client]
        self.done[client] += 1
        batches = self.batches[client]
        return batches[step % len(batches)], (step // len(batches)) % 2


async def small_floor(db: BenchDatabase, plan: Plan, pool: IdPool) -> float:
    """The floor's transactions/s: the same 10-order transactions from 32 connections."""
    clients, states = SmallClients(pool), States()
    floors = [await open_floor(db) for _ in range(CLIENTS)]
    # SQLite has one writer: queue writers in-process, as orderflow does, not in busy_timeout.
    write_lock = asyncio.Lock() if db.kind == "sqlite" else None

    async def one(client: int) -> str | None:
        ids, which = clients.next(client)
        rows: list[Row] = rows_for(ids, states, SMALL[which])
        events = list(events_for(rows))
        if write_lock is None:
            await floors[client].change(rows, events, SMALL[which])
        else:
            async with write_lock:
                await floors[client].change(rows, events, SMALL[which])
        return None

    try:
        await closed_loop(CLIENTS, plan.warmup_seconds, one)
        result = await closed_loop(CLIENTS, plan.small_seconds, one)
    finally:
        for f in floors:
            await f.close()
    if result.errors:
        raise RuntimeError(f"the floor failed: {result.first_error}")
    tps = len(result.latencies) / result.elapsed
    floor = report.small_entry(result.latencies, 0, result.elapsed, tps)
    print(f"  {db.kind} small floor: {floor}", file=sys.stderr)
    return tps


def small_requests(
    db: BenchDatabase, clients: SmallClients, conns: Sequence[HttpConnection]
) -> Callable[[int], Awaitable[str | None]]:
    """One client's next 10-id request, as `closed_loop` runs them."""

    async def one(client: int) -> str | None:
        ids, which = clients.next(client)
        target = SMALL[which]
        body = change_body(ids, target.status, target.payment_status, target.payment)
        return await request_change(conns[client], db, ids, body)

    return one


async def small(db: BenchDatabase, plan: Plan, pool: IdPool, server: Server) -> dict[str, Any]:
    """10-id requests from 32 keep-alive clients for `plan.small_seconds`."""
    floor_tps = await small_floor(db, plan, pool)
    conns = [await HttpConnection.open(server.port) for _ in range(CLIENTS)]
    one = small_requests(db, SmallClients(pool), conns)

    try:
        await closed_loop(CLIENTS, plan.warmup_seconds, one)
        result = await closed_loop(CLIENTS, plan.small_seconds, one)
    finally:
        for c in conns:
            await c.close()
    if result.first_error:
        print(f"  {db.kind} small: first error: {result.first_error}", file=sys.stderr)
    entry = report.small_entry(result.latencies, result.errors, result.elapsed, floor_tps)
    print(f"  {db.kind} small: {entry}", file=sys.stderr)
    return entry


# What one change writes, per table: the change-status write path's own tables.
WRITTEN_TABLES = ("orders", "order_status_history", "outbox", "outbox_pending")


async def write_volume(db: BenchDatabase, pool: IdPool, server: Server) -> dict[str, float]:
    """Bytes each order adds to each table (with its indexes and TOAST) when one request moves
    10,000 fresh orders to shipped + paid with payment details, measured as the tables' size
    before and after it, each after a CHECKPOINT (PostgreSQL)."""
    admin = await asyncpg.connect(db.url)
    conn = await HttpConnection.open(server.port)

    async def sizes() -> dict[str, int]:
        await admin.execute("CHECKPOINT")
        rows = await admin.fetch(
            "SELECT t, pg_total_relation_size(t::regclass) FROM unnest($1::text[]) AS t",
            list(WRITTEN_TABLES),
        )
        return {t: int(size) for t, size in rows}

    try:
        ids = pool.take(10_000)
        before = await sizes()
        body = change_body(ids, BULK.status, BULK.payment_status, BULK.payment)
        problem = await request_change(conn, db, ids, body)
        if problem:
            raise RuntimeError(f"the write-volume request failed: {problem}")
        after = await sizes()
    finally:
        await conn.close()
        await admin.close()
    per_order = {t: round((after[t] - before[t]) / len(ids), 1) for t in WRITTEN_TABLES}
    per_order["total"] = round(sum(per_order.values()), 1)
    print(f"  {db.kind} bytes per changed order: {per_order}", file=sys.stderr)
    return per_order


REVERT = "/v3/orders/revert"


async def revert(db: BenchDatabase, plan: Plan, pool: IdPool, server: Server) -> dict[str, Any]:
    """A revert of a 10,000-order change (shipped + paid with payment details, as the bulk
    runs), next to that change itself: each rep changes fresh orders, then reverts them."""
    conn = await HttpConnection.open(server.port)
    changes: list[float] = []
    reverts: list[float] = []
    try:
        for rep in range(plan.reps[10_000]):
            ids = pool.take(10_000)
            body = change_body(ids, BULK.status, BULK.payment_status, BULK.payment)
            start = time.perf_counter()
            status, answer = await conn.post(CHANGE_STATUS, body, db.api_key, f"bench-{rep}")
            changes.append(time.perf_counter() - start)
            if status != 200:
                raise RuntimeError(f"the change to revert failed: HTTP {status} {answer[:300]!r}")
            start = time.perf_counter()
            undo = orjson.dumps({"request_id": f"bench-{rep}"})
            status, answer = await conn.post(REVERT, undo, db.api_key, f"bench-undo-{rep}")
            reverts.append(time.perf_counter() - start)
            if status != 200 or len(orjson.loads(answer)["data"]) != len(ids):
                raise RuntimeError(f"the revert failed: HTTP {status} {answer[:300]!r}")
    finally:
        await conn.close()
    entry = report.revert_entry(reverts, changes, 10_000)
    print(f"  {db.kind} revert 10000: {entry}", file=sys.stderr)
    return entry


async def postgres_version(db: BenchDatabase) -> str:
    conn = await asyncpg.connect(db.url)
    try:
        return str(await conn.fetchval("SHOW server_version"))
    finally:
        await conn.close()


async def run(kinds: list[str], plan: Plan) -> dict[str, Any]:
    workers = {"postgresql": os.cpu_count() or 1, "sqlite": 1}
    results: dict[str, Any] = {}
    extra: dict[str, Any] = {
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "mode": "quick" if plan is QUICK else "full",
        "orders_seeded": plan.orders,
        "server_workers": {k: workers[k] for k in kinds},
        "load_generator": "one asyncio (uvloop) process, raw HTTP/1.1 keep-alive connections",
        "load_before": report.load_average(),
    }
    sources: dict[str, Callable[[int], AbstractAsyncContextManager[BenchDatabase]]] = {
        "postgresql": databases.postgres,
        "sqlite": databases.sqlite,
    }
    for kind in kinds:
        print(f"{kind}: seeding {plan.orders:,} orders", file=sys.stderr)
        async with sources[kind](plan.orders) as db:
            if kind == "postgresql":
                extra["postgresql"] = await postgres_version(db)
            pool = IdPool(db.first_id, db.last_id)
            server = Server(db.url, workers[kind])
            try:
                uuids = await databases.order_uuids(db)
                results[kind] = {
                    "bulk": await bulk(db, plan, pool, server),
                    "bulk_uuid": await bulk(db, plan, pool, server, uuids),
                    "small": await small(db, plan, pool, server),
                    "revert": await revert(db, plan, pool, server),
                }
                if kind == "postgresql":
                    results[kind]["bytes_per_order"] = await write_volume(db, pool, server)
            finally:
                server.stop()
    extra["load_after"] = report.load_average()
    return {"machine": report.machine(**extra), **results}


def main() -> None:
    args = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    args.add_argument("--quick", action="store_true", help="fewer orders, runs and seconds")
    args.add_argument("--only", choices=["postgresql", "sqlite"], help="one database only")
    options = args.parse_args()
    plan = QUICK if options.quick else FULL
    kinds = [options.only] if options.only else ["postgresql", "sqlite"]
    results = uvloop.run(run(kinds, plan))
    print(report.table(results))
    path = report.write(results, "quick.json" if options.quick else "latest.json")
    print(f"\nwritten to {path}", file=sys.stderr)


if __name__ == "__main__":
    main()
