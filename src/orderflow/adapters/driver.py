"""The unit of work's connection as the driver sees it, for the change path's statements.

Every change-status request runs the same few statements (find the key, lock the orders, update
them, write their history and outbox rows). Through SQLAlchemy's asyncio adapter each one costs
about three times what the driver alone costs (~310k against ~100k CPU instructions for a
10-row statement on asyncpg, measured with callgrind), and on SQLite four thread hops (cursor,
execute, fetch, close) where one does. So these statements are compiled once per database
(driver_statements.py) and run on the unit of work's own driver connection: asyncpg (prepared
once per connection, from its statement cache), or sqlite3 through aiosqlite; on both, small
writes wait to go with the next read or the COMMIT. They run in the same transaction as
everything else the unit of work does.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import re
import sqlite3
from collections.abc import Awaitable, Mapping, Sequence
from typing import Any, Protocol

import aiosqlite
import asyncpg
from sqlalchemy import event
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine
from sqlalchemy.util import await_

from orderflow.adapters.driver_statements import DriverStatement


class Driver(Protocol):
    """The unit of work's connection, as the driver sees it: its transaction and statements.

    Small writes may wait (`waiting`) to go with the next read or the COMMIT; `send_waiting`
    sends them now (before a statement that does not go through the driver)."""

    waiting: list[tuple[str, list[Any]]]

    async def send_waiting(self) -> None: ...

    async def begin(self, *, write: bool) -> None: ...

    async def commit(self) -> None: ...

    async def rollback(self) -> None: ...

    def in_transaction(self) -> bool: ...

    async def fetch(
        self, stmt: DriverStatement, params: Mapping[str, Any]
    ) -> list[tuple[Any, ...]]: ...

    async def execute(self, stmt: DriverStatement, params: Mapping[str, Any]) -> None: ...


class AsyncpgDriver:
    """PostgreSQL: statements prepared once per connection (asyncpg's statement cache); small
    writes wait, and go with the next read or the COMMIT as one statement.

    asyncpg sends one statement per round trip. The writes of a small change (UPDATE, history
    INSERT, outbox INSERT) need no answer, so they wait and are sent together as one statement
    whose first ones are data-modifying WITH queries (`fused`): two round trips fewer per change.
    PostgreSQL runs them as one statement, under one snapshot and in no set order (so two writes
    to one table are never fused), and an error in any fails the statement, which the read or
    COMMIT that sent it raises. Big writes go at once (WAIT_AT_MOST). A statement run through
    SQLAlchemy on the same connection first sends what waits (`send_waiting_before_sqlalchemy`).
    """

    def __init__(self, conn: asyncpg.Connection) -> None:
        self.conn = conn
        self.waiting: list[tuple[str, list[Any]]] = []

    async def send_waiting(self) -> None:
        """Run what waits now."""
        batch, self.waiting = self.waiting, []
        if batch:
            sql, args = fused(batch)
            # fetch, not execute: asyncpg's execute() with arguments does the same round trips.
            await self.conn.fetch(sql, *args)

    async def begin(self, *, write: bool) -> None:
        await self.conn.execute("BEGIN")

    async def commit(self) -> None:
        await self.send_waiting()
        await self.conn.execute("COMMIT")

    async def rollback(self) -> None:
        self.waiting = []  # never sent: nothing to undo
        await self.conn.execute("ROLLBACK")

    def in_transaction(self) -> bool:
        return bool(self.conn.is_in_transaction())

    async def fetch(
        self, stmt: DriverStatement, params: Mapping[str, Any]
    ) -> list[tuple[Any, ...]]:
        await self.send_waiting()
        return stmt.rows(await self.conn.fetch(stmt.sql, *stmt.args(params)))

    async def execute(self, stmt: DriverStatement, params: Mapping[str, Any]) -> None:
        if any(sql == stmt.sql for sql, _ in self.waiting):
            # The parts of a fused statement run in no set order: two writes to one table (the
            # outbox's events in several INSERTs) must keep theirs, so the first goes now.
            await self.send_waiting()
        args = stmt.args(params)
        self.waiting.append((stmt.sql, args))
        if _size(args) > WAIT_AT_MOST:
            await self.send_waiting()


_PARAMETER = re.compile(r"\$(\d+)")


def fused(batch: Sequence[tuple[str, list[Any]]]) -> tuple[str, list[Any]]:
    """PostgreSQL statements (without RETURNING) as one: `WITH w0 AS (<first>), ... <last>`,
    their `$n` parameters renumbered after the ones before. PostgreSQL runs the parts under one
    snapshot and in no set order, so they must not depend on each other's writes."""
    if len(batch) == 1:
        return batch[0][0], batch[0][1]
    args: list[Any] = []
    for _, values in batch:
        args += values
    return _fused_sql(tuple((sql, len(values)) for sql, values in batch)), args


@functools.lru_cache(maxsize=64)
def _fused_sql(parts: tuple[tuple[str, int], ...]) -> str:
    renumbered, offset = [], 0
    for sql, count in parts:
        renumbered.append(_PARAMETER.sub(functools.partial(_shifted, offset=offset), sql))
        offset += count
    ctes = ", ".join(f"w{i} AS ({part})" for i, part in enumerate(renumbered[:-1]))
    return f"WITH {ctes} {renumbered[-1]}"


def _shifted(parameter: re.Match[str], offset: int) -> str:
    return f"${int(parameter.group(1)) + offset}"


def _size(args: Sequence[Any]) -> int:
    """Roughly how many bytes `args` hold: characters of text (SQLite's bulk rows are one JSON
    text), and for arrays (PostgreSQL's bulk columns) 32 per element."""
    return sum(
        len(a) if isinstance(a, str) else 32 * len(a) for a in args if isinstance(a, str | list)
    )


# Roughly how many bytes of arguments a waiting write may hold (`_size`); a bigger one (the
# writes of a change of some hundred orders or more) is sent at once.
WAIT_AT_MOST = 64 * 1024


class AiosqliteDriver:
    """SQLite: BEGIN and the small writes wait, and go to the connection's thread together with
    the next read or the COMMIT, in one trip; a big write leaves at once and is not waited for.

    aiosqlite runs every call on its connection's own thread; each trip there and back costs
    two thread wake-ups, more than the statement itself for a small change (a one-order change
    made six trips; now two, ~0.2 ms less per request, measured in-process). A big write (a
    change of some hundred orders) is sent at once and runs on that thread while this one goes
    on (building the change's events: sqlite3 releases the GIL while it works); the next trip
    first waits for it. A batch runs in order and stops at the first error, which the read or
    COMMIT after it raises, so the unit of work rolls back as it would have. A statement run
    through SQLAlchemy on the same connection first sends what waits
    (`send_waiting_before_sqlalchemy`), so it runs after it, inside the transaction.
    """

    def __init__(self, conn: aiosqlite.Connection) -> None:
        self.conn = conn
        self.waiting: list[tuple[str, list[Any]]] = []
        self._in_flight: asyncio.Future[list[Any]] | None = None

    @staticmethod
    def _run_all(raw: sqlite3.Connection, batch: list[tuple[str, list[Any]]]) -> list[Any]:
        rows: list[Any] = []
        for sql, args in batch:
            rows = raw.execute(sql, args).fetchall()
        return rows

    def _trip(self, batch: list[tuple[str, list[Any]]]) -> Awaitable[list[Any]]:
        # aiosqlite's own way of running a call on its thread (every public method uses it).
        trip: Awaitable[list[Any]] = self.conn._execute(  # type: ignore[no-untyped-call]
            self._run_all, self.conn._conn, batch
        )
        return trip

    async def _arrived(self) -> None:
        """Wait for the write still on its way; its error, if any, is raised here."""
        in_flight, self._in_flight = self._in_flight, None
        if in_flight is not None:
            await in_flight

    async def _send(self, sql: str | None = None, args: Sequence[Any] = ()) -> list[Any]:
        await self._arrived()
        batch, self.waiting = self.waiting, []
        if sql is not None:
            batch.append((sql, list(args)))
        return await self._trip(batch) if batch else []

    async def send_waiting(self) -> None:
        """Run what waits now."""
        await self._send()

    async def begin(self, *, write: bool) -> None:
        # A writer takes the write lock up front (IMMEDIATE), so it never fails to upgrade a
        # read lock half-way through; a reader takes a snapshot when it first reads.
        self.waiting.append(("BEGIN IMMEDIATE" if write else "BEGIN DEFERRED", []))

    async def commit(self) -> None:
        await self._send("COMMIT")

    async def rollback(self) -> None:
        self.waiting = []  # never sent: nothing to undo
        with contextlib.suppress(Exception):  # what failed is undone with the rest
            await self._arrived()
        if self.conn.in_transaction:
            await self._send("ROLLBACK")

    def in_transaction(self) -> bool:
        return bool(self.waiting) or self._in_flight is not None or self.conn.in_transaction

    async def fetch(
        self, stmt: DriverStatement, params: Mapping[str, Any]
    ) -> list[tuple[Any, ...]]:
        return stmt.rows(await self._send(stmt.sql, stmt.args(params)))

    async def execute(self, stmt: DriverStatement, params: Mapping[str, Any]) -> None:
        args = stmt.args(params)
        self.waiting.append((stmt.sql, args))
        if _size(args) > WAIT_AT_MOST:
            await self._arrived()  # one write on its way at a time
            batch, self.waiting = self.waiting, []
            self._in_flight = asyncio.ensure_future(self._trip(batch))
            # One turn of the loop: the trip is on the connection's queue (first come, first
            # run) before anything this task sends next.
            await asyncio.sleep(0)


_DRIVER = "orderflow.driver"


def send_waiting_before_sqlalchemy(engine: AsyncEngine) -> None:
    """Make every statement SQLAlchemy runs on `engine` first send what the connection's
    driver keeps waiting, so statements run in the order the code gives them."""

    @event.listens_for(engine.sync_engine, "before_cursor_execute")
    def _send_waiting(conn: Connection, *_: Any) -> None:
        driver: Driver | None = conn.info.get(_DRIVER)
        if driver is not None and driver.waiting:
            # Inside SQLAlchemy's greenlet, as its own asyncio adapter awaits the driver.
            await_(driver.send_waiting())


async def driver_of(conn: AsyncConnection) -> Driver:
    """The driver connection under `conn` (the same connection, so the same transaction)."""
    raw = (await conn.get_raw_connection()).driver_connection
    # One per database connection, kept with it, where `send_waiting_before_sqlalchemy` finds it.
    info = conn.info
    driver = info.get(_DRIVER)
    if driver is not None and driver.conn is raw:
        # Each unit of work ends by committing or rolling back, which sends or drops what waits.
        assert not driver.waiting
        return driver  # type: ignore[no-any-return]
    if isinstance(raw, asyncpg.Connection):
        driver = info[_DRIVER] = AsyncpgDriver(raw)
    elif isinstance(raw, aiosqlite.Connection):
        driver = info[_DRIVER] = AiosqliteDriver(raw)
    else:
        raise TypeError(f"no driver path for {type(raw).__name__}")
    return driver
