"""The transactional outbox: events are rows written in the same transaction as the change."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import itertools
from collections.abc import Iterable

from sqlalchemy import bindparam, text
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.sql.elements import TextClause

from orderflow.adapters.driver_statements import driver_statement
from orderflow.adapters.sql_dialect import BulkColumn, SqlDialect, sql_dialect
from orderflow.adapters.tables import outbox
from orderflow.adapters.tenancy import BUSINESS_PARAM, Scope
from orderflow.services.records import OutboxEvent

_COLUMNS = (
    BulkColumn("event_id", "text"),
    BulkColumn("event_type", "text"),
    BulkColumn("order_id", "bigint"),
    BulkColumn("sequence", "integer"),
    BulkColumn("payload", "text"),
    BulkColumn("next_event_type", "text"),
    BulkColumn("next_event_id", "text"),
)
EVENTS_PER_INSERT = 5_000
_NAMES = ", ".join(c.name for c in _COLUMNS)
_VALUES = ", ".join(f"v.{c.name}" for c in _COLUMNS)


@functools.cache
def _insert_events(dialect: SqlDialect) -> TextClause:
    return text(
        f"INSERT INTO outbox ({_NAMES}, business_id, created_at) "
        f"SELECT {_VALUES}, :{BUSINESS_PARAM}, :now FROM {dialect.values_sql(_COLUMNS)}"
    ).bindparams(bindparam("now", type_=outbox.c.created_at.type))


def _row(e: OutboxEvent) -> tuple[str, str, int | None, int | None, str, str | None, str | None]:
    return (
        e.event_id,
        e.event_type,
        e.order_id,
        e.sequence,
        e.payload.decode(),
        e.next_event_type,
        e.next_event_id,
    )


class SqlOutbox:
    """The `Outbox` port: appends events for one business, up to 5,000 per INSERT statement."""

    def __init__(self, conn: AsyncConnection, business_id: int) -> None:
        self._conn = conn
        self._scope = Scope(business_id)

    async def add_many(self, events: Iterable[OutboxEvent]) -> None:
        """Append `events` (in order: their ids grow in the order given)."""
        # In slices, so a 10,000-order batch never holds all its payloads, and their encoded
        # copy for the driver, at once (that peak was most of its memory); a generator of
        # events is consumed as it goes. The next slice is built (Python's work) while the
        # database inserts the last one (its own work): on two cores they overlap. One INSERT at
        # a time, in order.
        pending = iter(events)
        inserting: asyncio.Task[None] | None = None
        try:
            while chunk := list(itertools.islice(pending, EVENTS_PER_INSERT)):
                if inserting is not None:
                    await inserting
                inserting = asyncio.create_task(self._insert(chunk))
                await asyncio.sleep(0)  # the INSERT is sent before the next slice is built
            if inserting is not None:
                await inserting
        finally:
            if inserting is not None and not inserting.done():
                # Building a slice failed: the connection is free again once its INSERT is done.
                with contextlib.suppress(Exception):
                    await inserting

    async def _insert(self, events: list[OutboxEvent]) -> None:
        dialect = sql_dialect(self._conn)
        params = dialect.values_params(_COLUMNS, [_row(e) for e in events])
        stmt = driver_statement(self._conn.dialect, "add_events", lambda: _insert_events(dialect))
        await self._scope.execute(self._conn, stmt, {**params, "now": events[0].created_at})
