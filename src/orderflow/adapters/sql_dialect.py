"""What differs between PostgreSQL and SQLite, in one place: `sql_dialect(...)` gives the one
object the adapters ask, so no other module tests which database it runs on.

Each difference is a method named for what it is for:
- a list of values as one parameter (`any_of`, `list_param`): PostgreSQL binds a typed array,
  SQLite one JSON text read with `json_each()`, so a statement's text never depends on N;
- a table of rows as one parameter (`values_sql`, `values_params`, `shared_value_sql`), for the
  set-based bulk statements (bulk.py);
- row locks (`locked`, `skip_locked`) and advisory locks (`try_lock`): PostgreSQL only, SQLite
  has one writer at a time (`one_writer`);
- upserts (`insert`), planner hints (`unindexed`), and the statistics' time buckets.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any, Literal
from uuid import UUID
from zoneinfo import ZoneInfo

import orjson
from sqlalchemy import Integer, Table, bindparam, cast, func, literal, select, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Dialect
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine
from sqlalchemy.sql import ColumnElement, Select
from sqlalchemy.sql.elements import TextClause
from sqlalchemy.types import TypeEngine

from orderflow.services.records import StatisticsQuery


@dataclass(frozen=True, slots=True)
class BulkColumn:
    """One column of a bulk table of values."""

    name: str
    pg_type: str  # the PostgreSQL element type of the array, e.g. "bigint", "text"


@dataclass(frozen=True, slots=True)
class SqlDialect:
    """The differences between the two databases orderflow runs on (see the module docstring).
    Frozen and hashable, so statements built from it can be cached per dialect."""

    name: Literal["postgresql", "sqlite"]

    @property
    def postgres(self) -> bool:
        return self.name == "postgresql"

    # -- one process, one writer --------------------------------------------------------------

    @property
    def one_writer(self) -> bool:
        """SQLite: one writer at a time, one server process; writers queue in-process and
        idempotency keys are claimed in-process. PostgreSQL: advisory locks (`try_lock`)."""
        return not self.postgres

    def try_lock(self, key: int) -> TextClause | None:
        """A statement taking the transaction-scoped advisory lock `key`, answering whether it
        got it; None where there are no advisory locks (SQLite has one writer anyway)."""
        if not self.postgres:
            return None
        return text("SELECT pg_try_advisory_xact_lock(:key)").bindparams(key=key)

    # -- migrations -----------------------------------------------------------------------------

    @property
    def checks_foreign_keys_after_migrating(self) -> bool:
        """SQLite: a migration that rebuilds a table others refer to runs with foreign keys
        off (SQLite's own advice), then checks every reference before it commits (see
        `foreign_keys` and `broken_foreign_keys`). PostgreSQL alters tables in place."""
        return not self.postgres

    @staticmethod
    def foreign_keys(on: bool) -> str:
        """SQLite's switch for foreign key checks (it means nothing inside a transaction)."""
        return f"PRAGMA foreign_keys={'ON' if on else 'OFF'}"

    @staticmethod
    def broken_foreign_keys() -> str:
        """SQLite: the rows whose references point nowhere."""
        return "PRAGMA foreign_key_check"

    # -- lists and tables of values as one parameter -------------------------------------------

    def any_of(
        self, column: ColumnElement[Any], name: str, element: TypeEngine[Any]
    ) -> ColumnElement[bool]:
        """`column` is one of the values bound as `name` (see `list_param`)."""
        if self.postgres:
            return column == bindparam(name, type_=postgresql.ARRAY(element)).any_()
        values = select(text("value")).select_from(text(f"json_each(:{name})"))
        return column.in_(values.scalar_subquery())

    def list_param(self, values: Sequence[Any]) -> object:
        """`values` (ints, text or UUIDs) bound as one parameter, for `any_of`."""
        if self.postgres:
            return list(values)
        # The 32 hex digits SQLAlchemy's Uuid stores on SQLite.
        return orjson.dumps([v.hex if isinstance(v, UUID) else v for v in values]).decode()

    def values_sql(self, columns: tuple[BulkColumn, ...]) -> str:
        """The FROM item `v(<columns>)` reading the rows `values_params` binds."""
        return _values_sql(self.postgres, columns)

    def values_params(
        self, columns: Sequence[BulkColumn], rows: Sequence[Sequence[Any]]
    ) -> dict[str, Any]:
        """The parameters of `values_sql` for `rows` (at least one)."""
        if self.postgres:
            by_column = zip(*rows, strict=True)
            return {f"bulk_{c.name}": list(col) for c, col in zip(columns, by_column, strict=True)}
        document = orjson.dumps(
            rows, default=_sqlite_default, option=orjson.OPT_PASSTHROUGH_DATETIME
        )
        return {"bulk_rows": document.decode()}

    def shared_value_sql(self, column: BulkColumn) -> str:
        """A value the same for every row, bound once as `:<name>` (typed on PostgreSQL)."""
        return f"CAST(:{column.name} AS {column.pg_type})" if self.postgres else f":{column.name}"

    # -- locks, upserts, the planner ----------------------------------------------------------

    def locked(self, stmt: Select[Any]) -> Select[Any]:
        """`stmt` locking the rows it reads until the transaction ends (SQLite: the writer
        already holds the database)."""
        return stmt.with_for_update() if self.postgres else stmt

    def skip_locked(self, stmt: Select[Any], of: Table) -> Select[Any]:
        """`stmt` locking the rows of `of` it reads, skipping those another transaction holds."""
        return stmt.with_for_update(skip_locked=True, of=of) if self.postgres else stmt

    def insert(self, table: Table) -> postgresql.Insert | sqlite.Insert:
        """An INSERT into `table` that takes ON CONFLICT clauses."""
        return postgresql.insert(table) if self.postgres else sqlite.insert(table)

    def unindexed(self, column_sql: str) -> str:
        """`column_sql` as a condition the planner must not pick an index for. On SQLite the
        unary + keeps it off the business_id index in the bulk UPDATE: with it SQLite scans the
        business's orders once per row of `v` (10,000 ids took minutes); without it, it reads
        `v` once and finds each order by primary key."""
        return column_sql if self.postgres else f"+{column_sql}"

    # -- statistics' time buckets ---------------------------------------------------------------

    def period_key(self, column: ColumnElement[Any], query: StatisticsQuery) -> ColumnElement[Any]:
        """What orders are grouped by for `query.period`. PostgreSQL truncates in the zone;
        SQLite (no time zones) groups by UTC quarter hour, which `period_start` places."""
        if self.postgres:
            local = func.timezone(literal(query.tz), column)  # timestamptz → wall clock
            return func.date(func.date_trunc(literal(query.period), local))
        minute = cast(func.strftime("%M", column), Integer)
        return func.printf("%s%02d", func.strftime("%Y-%m-%d %H:", column), (minute // 15) * 15)

    def period_day(self, value: Any, zone: ZoneInfo) -> date:
        """The local day a `period_key` value stands for."""
        if self.postgres:
            assert isinstance(value, date)
            return value
        stamp, quarter = str(value).rsplit(":", 1)  # a UTC quarter hour, "YYYY-MM-DD HH:M"
        utc = datetime.strptime(stamp, "%Y-%m-%d %H").replace(tzinfo=UTC)
        return (utc + timedelta(minutes=int(quarter))).astimezone(zone).date()


POSTGRESQL = SqlDialect("postgresql")
SQLITE = SqlDialect("sqlite")


def sql_dialect(of: AsyncConnection | AsyncEngine | Dialect) -> SqlDialect:
    """The differences of the database behind `of`."""
    dialect = of if isinstance(of, Dialect) else of.dialect
    if dialect.name == "postgresql":
        return POSTGRESQL
    if dialect.name == "sqlite":
        return SQLITE
    raise ValueError(f"orderflow does not run on {dialect.name}")


def sqlite_datetime(value: datetime) -> str:
    """The text SQLite stores for an aware datetime (matches `UTCDateTime`)."""
    return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")


def _sqlite_default(value: Any) -> Any:
    if isinstance(value, datetime):
        return sqlite_datetime(value)
    raise TypeError(f"cannot bind {type(value).__name__} in a bulk row")


@functools.cache
def _values_sql(postgres: bool, columns: tuple[BulkColumn, ...]) -> str:
    names = ", ".join(c.name for c in columns)
    if postgres:
        arrays = ", ".join(f"CAST(:bulk_{c.name} AS {c.pg_type}[])" for c in columns)
        return f"unnest({arrays}) AS v({names})"
    fields = ", ".join(f"json_extract(value, '$[{i}]') AS {c.name}" for i, c in enumerate(columns))
    return f"(SELECT {fields} FROM json_each(:bulk_rows)) AS v"
