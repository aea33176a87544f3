"""One business's rows: every statement on a table that has a `business_id` is built here.

A business's statements come from its `Scope`. `select`, `update` and `delete` add
`WHERE <table>.business_id = <the business>`, `insert` adds the business to the inserted values,
and `fetch`/`execute` run a statement compiled once (driver_statements.py) with the business
bound to its `:business_id` parameter. Each marks what it runs with the business, in the
statement's execution options (`SCOPED`).

The few statements that work across businesses (the relay's fan-out and claim, housekeeping, the
backlog gauges, finding the business of an API key) say so with `across_businesses(why)`, which
marks them `ACROSS` with their reason.

The test suite watches every statement the service runs (tests/tenancy_guard.py): one on a table
of `BUSINESS_TABLES` with neither mark fails the test that ran it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    Delete,
    Insert,
    Select,
    Table,
    Update,
    bindparam,
    delete,
    insert,
    select,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.sql.elements import ColumnElement

from orderflow.adapters import driver_statements
from orderflow.adapters.driver_statements import DriverStatement
from orderflow.adapters.sql_dialect import SqlDialect
from orderflow.adapters.tables import metadata

BUSINESS_TABLES = frozenset(t.name for t in metadata.tables.values() if "business_id" in t.c)
SCOPED = "orderflow_business"  # execution option: the business a statement is scoped to
ACROSS = "orderflow_across_businesses"  # execution option: why a statement is not scoped
BUSINESS_PARAM = "business_id"  # the parameter a statement compiled once binds the business to


def _business_column(table: Table) -> ColumnElement[int]:
    if table.name not in BUSINESS_TABLES:
        raise ValueError(f"table {table.name} has no business_id: scope it by its parent")
    return table.c.business_id


def bound_business(table: Table) -> ColumnElement[bool]:
    """`table`'s rows of the business bound to `:business_id`, for a statement compiled once
    and run with `Scope.fetch` or `Scope.execute`."""
    return _business_column(table) == bindparam(BUSINESS_PARAM)


def across_businesses(why: str) -> dict[str, str]:
    """The execution options of a statement that is not scoped to one business, and why."""
    return {ACROSS: why}


@dataclass(frozen=True, slots=True)
class Scope:
    """The statements of one business."""

    business_id: int

    @property
    def _mark(self) -> dict[str, int]:
        return {SCOPED: self.business_id}

    def owns(self, table: Table) -> ColumnElement[bool]:
        """The condition that a row of `table` is this business's."""
        return _business_column(table) == self.business_id

    def select(self, table: Table, *columns: Any) -> Select[Any]:
        """SELECT `columns` (every column of `table` if none) of this business's rows of
        `table`; join other tables to it on their business too."""
        stmt = select(*(columns or (table,))).select_from(table).where(self.owns(table))
        return stmt.execution_options(**self._mark)

    def update(self, table: Table) -> Update:
        """UPDATE this business's rows of `table`."""
        return update(table).where(self.owns(table)).execution_options(**self._mark)

    def delete(self, table: Table) -> Delete:
        """DELETE this business's rows of `table`."""
        return delete(table).where(self.owns(table)).execution_options(**self._mark)

    def insert(self, table: Table) -> Insert:
        """INSERT rows of `table` for this business."""
        _business_column(table)
        return insert(table).values(business_id=self.business_id).execution_options(**self._mark)

    def upsert(self, table: Table, dialect: SqlDialect) -> postgresql.Insert | sqlite.Insert:
        """`insert`, in the form that takes ON CONFLICT clauses on `dialect`."""
        _business_column(table)
        stmt = dialect.insert(table).values(business_id=self.business_id)
        return stmt.execution_options(**self._mark)

    def _bound(self, stmt: DriverStatement, params: Mapping[str, Any]) -> dict[str, Any]:
        if BUSINESS_PARAM not in stmt.names:
            raise ValueError(f"a scoped statement binds :{BUSINESS_PARAM}: {stmt.sql[:80]}")
        return {**params, BUSINESS_PARAM: self.business_id}

    async def fetch(
        self, conn: AsyncConnection, stmt: DriverStatement, params: Mapping[str, Any]
    ) -> list[tuple[Any, ...]]:
        """`driver_statements.fetch` of a statement compiled once, with this business bound."""
        return await driver_statements.fetch(conn, stmt, self._bound(stmt, params), self._mark)

    async def execute(
        self, conn: AsyncConnection, stmt: DriverStatement, params: Mapping[str, Any]
    ) -> None:
        """`driver_statements.execute` of a statement compiled once, with this business bound."""
        await driver_statements.execute(conn, stmt, self._bound(stmt, params), self._mark)
