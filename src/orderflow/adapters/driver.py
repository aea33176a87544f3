"""The change path's statements, built with SQLAlchemy Core once and run on the driver directly.

Every change-status request runs the same few statements (find the key, lock the orders, update
them, write their history and outbox rows). Through SQLAlchemy's asyncio adapter each one costs
about three times what the driver alone costs (~310k against ~100k CPU instructions for a
10-row statement on asyncpg, measured with callgrind), and on SQLite four thread hops (cursor,
execute, fetch, close) where one does. So these statements are compiled once per database into
positional SQL with their bind and result processors, and run on the unit of work's own driver
connection: asyncpg (prepared once per connection, from its statement cache), or sqlite3 through
aiosqlite in one hop. They run in the same transaction as everything else the unit of work does.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import aiosqlite
import asyncpg
from sqlalchemy.engine import Dialect
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.sql import ClauseElement, ColumnElement
from sqlalchemy.sql.compiler import SQLCompiler

Processor = Callable[[Any], Any]


@dataclass(frozen=True, slots=True)
class DriverStatement:
    """A statement compiled for one database: positional SQL and how to bind its parameters."""

    sql: str
    names: tuple[str, ...]  # the named parameter behind each position (repeated on SQLite)
    bind: tuple[tuple[str, Processor | None], ...]  # each distinct parameter and its processor
    results: tuple[Processor | None, ...]  # per result column, for `fetch`

    def args(self, params: Mapping[str, Any]) -> list[Any]:
        """The positional values of `params`, converted as SQLAlchemy would bind them."""
        # Once per distinct parameter: SQLite's `?` repeats one (`now`) up to fifteen times.
        bound: dict[str, Any] = {}
        for name, process in self.bind:
            value = params[name]
            bound[name] = value if process is None or value is None else process(value)
        return [bound[name] for name in self.names]

    def rows(self, records: Sequence[Sequence[Any]]) -> list[tuple[Any, ...]]:
        """Result rows converted as SQLAlchemy would return them."""
        converting = [(i, p) for i, p in enumerate(self.results) if p is not None]
        if not converting:
            return [tuple(r) for r in records]
        rows = []
        for record in records:  # 10,000 of them for a big batch: only the columns that convert
            row = list(record)
            for i, process in converting:
                if row[i] is not None:
                    row[i] = process(row[i])
            rows.append(tuple(row))
        return rows


_COMPILED: dict[tuple[str, str, Hashable], DriverStatement] = {}


def driver_statement(
    dialect: Dialect,
    key: Hashable,
    build: Callable[[], ClauseElement],
    columns: Sequence[ColumnElement[Any]] = (),
) -> DriverStatement:
    """The statement `build()` makes, compiled for `dialect` the first time `key` is asked for;
    `columns` give the types of what it returns, if anything."""
    cache_key = (dialect.name, dialect.driver, key)
    found = _COMPILED.get(cache_key)
    if found is None:
        found = _COMPILED[cache_key] = compile_statement(build(), dialect, columns)
    return found


def compile_statement(
    stmt: ClauseElement, dialect: Dialect, columns: Sequence[ColumnElement[Any]] = ()
) -> DriverStatement:
    """`stmt` compiled for `dialect`; `columns` give the types of what it returns, if anything."""
    compiled = stmt.compile(dialect=dialect)
    assert isinstance(compiled, SQLCompiler)
    if "POSTCOMPILE" in compiled.string:
        raise ValueError("a statement run on the driver cannot expand parameters")
    names = tuple(compiled.positiontup or ())
    bind = tuple(
        (n, compiled.binds[n].type.dialect_impl(dialect).bind_processor(dialect))
        for n in dict.fromkeys(names)
    )
    results = tuple(c.type.dialect_impl(dialect).result_processor(dialect, None) for c in columns)
    return DriverStatement(compiled.string, names, bind, results)


class Driver(Protocol):
    """The unit of work's connection, as the driver sees it: its transaction and statements."""

    async def begin(self, *, write: bool) -> None: ...

    async def commit(self) -> None: ...

    async def rollback(self) -> None: ...

    def in_transaction(self) -> bool: ...

    async def fetch(
        self, stmt: DriverStatement, params: Mapping[str, Any]
    ) -> list[tuple[Any, ...]]: ...

    async def execute(self, stmt: DriverStatement, params: Mapping[str, Any]) -> None: ...


@dataclass(frozen=True, slots=True)
class AsyncpgDriver:
    """PostgreSQL: statements prepared once per connection (asyncpg's statement cache)."""

    conn: asyncpg.Connection

    async def begin(self, *, write: bool) -> None:
        await self.conn.execute("BEGIN")

    async def commit(self) -> None:
        await self.conn.execute("COMMIT")

    async def rollback(self) -> None:
        await self.conn.execute("ROLLBACK")

    def in_transaction(self) -> bool:
        return bool(self.conn.is_in_transaction())

    async def fetch(
        self, stmt: DriverStatement, params: Mapping[str, Any]
    ) -> list[tuple[Any, ...]]:
        return stmt.rows(await self.conn.fetch(stmt.sql, *stmt.args(params)))

    async def execute(self, stmt: DriverStatement, params: Mapping[str, Any]) -> None:
        # fetch, not execute: asyncpg's execute() with arguments does the same round trips.
        await self.conn.fetch(stmt.sql, *stmt.args(params))


@dataclass(frozen=True, slots=True)
class AiosqliteDriver:
    """SQLite: each statement one trip to the connection's thread."""

    conn: aiosqlite.Connection

    async def begin(self, *, write: bool) -> None:
        # A writer takes the write lock up front (IMMEDIATE), so it never fails to upgrade a
        # read lock half-way through; a reader takes a snapshot when it first reads.
        await self.conn.execute_fetchall("BEGIN IMMEDIATE" if write else "BEGIN DEFERRED")

    async def commit(self) -> None:
        await self.conn.execute_fetchall("COMMIT")

    async def rollback(self) -> None:
        await self.conn.execute_fetchall("ROLLBACK")

    def in_transaction(self) -> bool:
        return self.conn.in_transaction

    async def fetch(
        self, stmt: DriverStatement, params: Mapping[str, Any]
    ) -> list[tuple[Any, ...]]:
        # execute_fetchall: the statement and its rows in one trip to the connection's thread.
        rows = await self.conn.execute_fetchall(stmt.sql, stmt.args(params))
        return stmt.rows(list(rows))

    async def execute(self, stmt: DriverStatement, params: Mapping[str, Any]) -> None:
        await self.conn.execute_fetchall(stmt.sql, stmt.args(params))


async def driver_of(conn: AsyncConnection) -> Driver:
    """The driver connection under `conn` (the same connection, so the same transaction)."""
    raw = (await conn.get_raw_connection()).driver_connection
    if isinstance(raw, asyncpg.Connection):
        return AsyncpgDriver(raw)
    if isinstance(raw, aiosqlite.Connection):
        return AiosqliteDriver(raw)
    raise TypeError(f"no driver path for {type(raw).__name__}")
