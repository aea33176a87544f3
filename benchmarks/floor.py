"""The floor: the same database work as one change-status call, done directly with the driver.

Per batch: lock the rows in id order, update them (status, payment status, version, the entered
`<status>_time`s, the payment fields), insert one history row per order and one outbox row per
changed order (holding its one or two events, as orderflow's), commit. No HTTP, no validation, no
serialisation: the per-row values and the event payloads are computed before the clock starts.
Same drivers as orderflow: asyncpg, and aiosqlite (sqlite3).
"""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import Any, Protocol

import aiosqlite
import asyncpg
import orjson

from benchmarks.workload import PAYMENT_TIMES, STATUS_TIMES, Event, Row, Target

_STAMPS = [(t, "entered_status") for t in STATUS_TIMES] + [
    (t, "entered_payment") for t in PAYMENT_TIMES
]
_PAYMENT_COLUMNS = (
    "payment_method",
    "financial_entity_id",
    "payment_account_holder",
    "payment_account_number",
    "transfer_time",
    "transferproof_url",
)
_HISTORY_COLUMNS = (
    "business_id, order_id, from_status, to_status, from_payment_status, to_payment_status, "
    '"by", request_id, ' + ", ".join(_PAYMENT_COLUMNS) + ", created_at"
)


def _stamp_sql(now: str) -> str:
    return ", ".join(
        f"{col} = CASE WHEN v.{entered} = '{col.removesuffix('_time')}' THEN {now} "
        f"ELSE orders.{col} END"
        for col, entered in _STAMPS
    )


def _payment_values(target: Target) -> list[Any]:
    values = [target.payment.get(c) for c in _PAYMENT_COLUMNS]
    if values[4] is not None:
        values[4] = datetime.fromisoformat(str(values[4]))
    return values


class Floor(Protocol):
    async def change(self, rows: list[Row], events: list[Event], target: Target) -> float: ...

    async def close(self) -> None: ...


class PostgresFloor:
    """asyncpg on one connection: four statements (arrays + unnest) in one transaction."""

    LOCK = (
        "SELECT id FROM orders WHERE business_id = $1 AND id = ANY($2::bigint[]) ORDER BY id "
        "FOR UPDATE"
    )
    UPDATE = (
        "UPDATE orders SET status = v.status, payment_status = v.payment_status, "
        "version = orders.version + v.events, updated_at = $2, "
        + _stamp_sql("$2")
        + ", "
        + ", ".join(f"{c} = COALESCE(${i + 3}, orders.{c})" for i, c in enumerate(_PAYMENT_COLUMNS))
        + " FROM unnest($9::bigint[], $10::text[], $11::text[], $12::int[], $13::text[], "
        "$14::text[]) AS v(id, status, payment_status, events, entered_status, entered_payment) "
        "WHERE orders.id = v.id AND orders.business_id = $1"
    )
    HISTORY = (
        f"INSERT INTO order_status_history ({_HISTORY_COLUMNS}) "
        "SELECT $1, v.id, v.fs, v.ts, v.fp, v.tp, $2, $3, $4, $5, $6, $7, $8, $9, $10 "
        "FROM unnest($11::bigint[], $12::text[], $13::text[], $14::text[], $15::text[]) "
        "AS v(id, fs, ts, fp, tp)"
    )
    OUTBOX = (
        "INSERT INTO outbox (business_id, event_id, event_type, order_id, sequence, payload, "
        "next_event_type, next_event_id, created_at) SELECT $1, v.*, $2 FROM unnest($3::text[], "
        "$4::text[], $5::bigint[], $6::int[], $7::text[], $8::text[], $9::text[]) AS v"
    )

    def __init__(self, conn: asyncpg.Connection, business_id: int) -> None:
        self._conn = conn
        self._business_id = business_id

    @classmethod
    async def open(cls, url: str, business_id: int) -> PostgresFloor:
        return cls(await asyncpg.connect(url), business_id)

    async def change(self, rows: list[Row], events: list[Event], target: Target) -> float:
        """Seconds to apply the change to `rows` in one transaction."""
        ids = [r.id for r in rows]
        payment = _payment_values(target)
        b, conn = self._business_id, self._conn
        start = time.perf_counter()
        now = datetime.now(UTC)
        async with conn.transaction():
            await conn.fetch(self.LOCK, b, ids)
            await conn.execute(
                self.UPDATE,
                b,
                now,
                *payment,
                ids,
                [r.to_status for r in rows],
                [r.to_payment for r in rows],
                [r.events for r in rows],
                [r.entered_status for r in rows],
                [r.entered_payment for r in rows],
            )
            await conn.execute(
                self.HISTORY,
                b,
                "benchmark",
                "floor",
                *payment,
                now,
                ids,
                [r.from_status for r in rows],
                [r.to_status for r in rows],
                [r.from_payment for r in rows],
                [r.to_payment for r in rows],
            )
            if events:
                await conn.execute(
                    self.OUTBOX,
                    b,
                    now,
                    [e.event_id for e in events],
                    [e.event_type for e in events],
                    [e.order_id for e in events],
                    [e.sequence for e in events],
                    [e.payload for e in events],
                    [e.next_event_type for e in events],
                    [e.next_event_id for e in events],
                )
        return time.perf_counter() - start

    async def close(self) -> None:
        await self._conn.close()


def _sqlite_now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")


class SqliteFloor:
    """aiosqlite on one connection: BEGIN IMMEDIATE, four statements over json_each, COMMIT."""

    LOCK = (
        "SELECT id FROM orders WHERE business_id = :b AND id IN (SELECT value FROM json_each(:ids))"
        " ORDER BY id"
    )
    UPDATE = (
        "UPDATE orders SET status = v.status, payment_status = v.payment_status, "
        "version = orders.version + v.events, updated_at = :now, "
        + _stamp_sql(":now")
        + ", "
        + ", ".join(f"{c} = COALESCE(:{c}, orders.{c})" for c in _PAYMENT_COLUMNS)
        + " FROM (SELECT value ->> 0 AS id, value ->> 1 AS status, value ->> 2 AS payment_status,"
        " value ->> 3 AS events, value ->> 4 AS entered_status, value ->> 5 AS entered_payment "
        "FROM json_each(:rows)) AS v WHERE orders.id = v.id AND orders.business_id = :b"
    )
    HISTORY = (
        f"INSERT INTO order_status_history ({_HISTORY_COLUMNS}) "
        "SELECT :b, value ->> 0, value ->> 1, value ->> 2, value ->> 3, value ->> 4, :by, :rid, "
        + ", ".join(f":{c}" for c in _PAYMENT_COLUMNS)
        + ", :now FROM json_each(:rows)"
    )
    OUTBOX = (
        "INSERT INTO outbox (business_id, event_id, event_type, order_id, sequence, payload, "
        "next_event_type, next_event_id, created_at) SELECT :b, value ->> 0, value ->> 1, "
        "value ->> 2, value ->> 3, value ->> 4, value ->> 5, value ->> 6, :now "
        "FROM json_each(:rows)"
    )

    def __init__(self, conn: aiosqlite.Connection, business_id: int) -> None:
        self._conn = conn
        self._business_id = business_id

    @classmethod
    async def open(cls, path: str, business_id: int) -> SqliteFloor:
        conn = await aiosqlite.connect(path, isolation_level=None)
        for pragma in ("journal_mode=WAL", "synchronous=NORMAL", "foreign_keys=ON"):
            await conn.execute(f"PRAGMA {pragma}")
        await conn.execute("PRAGMA busy_timeout=5000")
        return cls(conn, business_id)

    async def change(self, rows: list[Row], events: list[Event], target: Target) -> float:
        """Seconds to apply the change to `rows` in one transaction."""
        payment = dict(zip(_PAYMENT_COLUMNS, _payment_values(target), strict=True))
        if payment["transfer_time"] is not None:
            payment["transfer_time"] = payment["transfer_time"].strftime("%Y-%m-%d %H:%M:%S.%f")
        conn, b = self._conn, self._business_id
        start = time.perf_counter()
        now = _sqlite_now()
        await conn.execute("BEGIN IMMEDIATE")
        try:
            ids = orjson.dumps([r.id for r in rows]).decode()
            await (await conn.execute(self.LOCK, {"b": b, "ids": ids})).fetchall()
            update_rows = orjson.dumps(
                [
                    (r.id, r.to_status, r.to_payment, r.events, r.entered_status, r.entered_payment)
                    for r in rows
                ]
            ).decode()
            await conn.execute(self.UPDATE, {"b": b, "now": now, "rows": update_rows, **payment})
            history = orjson.dumps(
                [(r.id, r.from_status, r.to_status, r.from_payment, r.to_payment) for r in rows]
            ).decode()
            await conn.execute(
                self.HISTORY,
                {"b": b, "now": now, "rows": history, "by": "benchmark", "rid": "floor", **payment},
            )
            if events:
                outbox = orjson.dumps(
                    [
                        (
                            e.event_id,
                            e.event_type,
                            e.order_id,
                            e.sequence,
                            e.payload,
                            e.next_event_type,
                            e.next_event_id,
                        )
                        for e in events
                    ]
                ).decode()
                await conn.execute(self.OUTBOX, {"b": b, "now": now, "rows": outbox})
            await conn.execute("COMMIT")
        except BaseException:
            await conn.execute("ROLLBACK")
            raise
        return time.perf_counter() - start

    async def close(self) -> None:
        await self._conn.close()
