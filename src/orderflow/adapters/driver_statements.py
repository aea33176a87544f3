"""The change path's statements, built with SQLAlchemy Core and compiled once per database.

Every change-status request runs the same few statements (find the key, lock the orders, update
them, write their history and outbox rows). Compiling a Core statement on each call costs more
than running it, so each is compiled once into positional SQL, with SQLAlchemy's own bind and
result processors, and run with `fetch` or `execute` below: SQLAlchemy's `exec_driver_sql`, on
the unit of work's connection and in its transaction, like any other statement. Its values are
converted exactly as SQLAlchemy converts them.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

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


async def fetch(
    conn: AsyncConnection,
    stmt: DriverStatement,
    params: Mapping[str, Any],
    options: Mapping[str, Any],
) -> list[tuple[Any, ...]]:
    """Run `stmt` on `conn` and return its rows, converted as SQLAlchemy would return them;
    `options` are its execution options (a business's statements are run by tenancy.Scope)."""
    result = await conn.exec_driver_sql(stmt.sql, tuple(stmt.args(params)), options)
    return stmt.rows(result.all())


async def execute(
    conn: AsyncConnection,
    stmt: DriverStatement,
    params: Mapping[str, Any],
    options: Mapping[str, Any],
) -> None:
    """Run `stmt` on `conn`: a write, whose rows (if any) are not wanted."""
    await conn.exec_driver_sql(stmt.sql, tuple(stmt.args(params)), options)


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
