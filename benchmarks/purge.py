"""`python -m benchmarks.purge`: purging 1,000,000 old webhook events while 10-id changes run.

On PostgreSQL: seed orders, then 1,000,000 outbox events 40 days old, each delivered once (a
delivery and an attempt per event, as an endpoint subscribed to everything leaves them). Then
10-id change-status requests from 8 clients over real HTTP: first alone, then for as long as one
housekeeping round (`adapters/housekeeping.py`, the server's own code) purges every old event.
Prints the requests' latency percentiles in both phases, and how long the purge took. Asserts
nothing.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time
from datetime import UTC, datetime

import asyncpg
import uvloop

from benchmarks import databases
from benchmarks.__main__ import SmallClients, small_requests
from benchmarks.http_load import HttpConnection, LoadResult, closed_loop
from benchmarks.server import Server
from benchmarks.workload import IdPool
from orderflow.adapters.housekeeping import Retention, housekeeping_round
from orderflow.bootstrap import build
from orderflow.config import Settings

CLIENTS = 8

# 1,000,000 delivered events of 40 days ago: one endpoint, one delivery and one attempt each.
_SEED_EVENTS = """
WITH e AS (
  INSERT INTO webhook_endpoints (business_id, url, secret, is_active, contract, created_at,
                                 updated_at)
  VALUES ($1, 'https://93.184.215.14/hooks', 'whsec_bench', false, '2026-07-21', now(), now())
  RETURNING id
), o AS (
  INSERT INTO outbox (business_id, event_id, event_type, order_id, sequence, payload, created_at)
  SELECT $1, 'evt_purge_' || g, 'order.status_changed', $2 + g % 1000, g, repeat('x', 700),
         now() - interval '40 days' + g * interval '1 millisecond'
  FROM generate_series(1, $3) AS g
  RETURNING id, event_id, order_id, sequence, created_at
), d AS (
  INSERT INTO webhook_deliveries (endpoint_id, business_id, outbox_id, event_id, event_type,
    order_id, sequence, status, attempts, max_attempts, next_attempt_at, created_at, updated_at,
    delivered_at)
  SELECT e.id, $1, o.id, o.event_id, 'order.status_changed', o.order_id, o.sequence,
         'succeeded', 1, 8, o.created_at, o.created_at, o.created_at, o.created_at
  FROM o CROSS JOIN e
  RETURNING id, created_at
)
INSERT INTO webhook_attempts (delivery_id, number, attempted_at, status_code, latency_ms)
SELECT d.id, 1, d.created_at, 204, 12 FROM d
"""


def _percentiles(latencies: list[float]) -> dict[str, float]:
    ordered = sorted(latencies)
    cut = statistics.quantiles(ordered, n=100)
    return {
        "requests": len(ordered),
        "p50_ms": round(cut[49] * 1000, 1),
        "p95_ms": round(cut[94] * 1000, 1),
        "p99_ms": round(cut[98] * 1000, 1),
        "max_ms": round(ordered[-1] * 1000, 1),
    }


async def run(events: int, seconds: float) -> None:
    async with databases.postgres(100_000) as db:
        conn = await asyncpg.connect(db.url)
        began = time.perf_counter()
        # The seeded orders' own events go first: the old events must come first in id order,
        # as they do in a service that has run for 40 days.
        await conn.execute("DELETE FROM outbox_pending; DELETE FROM outbox")
        await conn.execute(_SEED_EVENTS, db.business_id, db.first_id, events)
        await conn.execute("DELETE FROM outbox_pending")  # the seeded events are fanned out
        await conn.execute("VACUUM ANALYZE")
        print(f"seeded {events:,} delivered events in {time.perf_counter() - began:.0f} s")
        await conn.close()
        clients = SmallClients(IdPool(db.first_id, db.last_id))
        # The servers' own housekeeping is off: the one round measured is the benchmark's.
        server = Server(db.url, 2, {"ORDERFLOW_HOUSEKEEPING_INTERVAL_S": "0"})
        conns = [await HttpConnection.open(server.port) for _ in range(CLIENTS)]
        one = small_requests(db, clients, conns)

        container = build(Settings(database_url=db.url))
        try:
            await closed_loop(CLIENTS, 2.0, one)  # warm up
            alone = await closed_loop(CLIENTS, seconds, one)
            purge_began = time.perf_counter()
            purging = asyncio.create_task(
                housekeeping_round(container.engine, Retention(), datetime.now(UTC))
            )
            during = LoadResult()
            while not purging.done():  # the load runs as long as the purge does
                part = await closed_loop(CLIENTS, 1.0, one)
                during.latencies += part.latencies
                during.errors += part.errors
            purged = await purging
            purge_s = time.perf_counter() - purge_began
        finally:
            await container.close()
            for c in conns:
                await c.close()
            server.stop()
    print(f"10-id changes alone:        {_percentiles(alone.latencies)}, errors {alone.errors}")
    print(f"10-id changes during purge: {_percentiles(during.latencies)}, errors {during.errors}")
    print(
        f"purged {purged.events:,} events, {purged.deliveries:,} deliveries, "
        f"{purged.attempts:,} attempts in {purge_s:.1f} s "
        f"({purged.events / purge_s:,.0f} events/s)"
    )


def main() -> None:
    args = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    args.add_argument("--events", type=int, default=1_000_000)
    args.add_argument("--seconds", type=float, default=20.0, help="of each load phase")
    options = args.parse_args()
    uvloop.run(run(options.events, options.seconds))


if __name__ == "__main__":
    main()
