"""The transactional outbox: events are rows written in the same transaction as the change."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import bindparam, text
from sqlalchemy.ext.asyncio import AsyncConnection

from orderflow.adapters.bulk import BulkColumn, values_source
from orderflow.adapters.tables import outbox
from orderflow.services.unit_of_work import OutboxEvent

_COLUMNS = (
    BulkColumn("event_id", "text"),
    BulkColumn("event_type", "text"),
    BulkColumn("order_id", "bigint"),
    BulkColumn("sequence", "integer"),
    BulkColumn("payload", "text"),
)
_NAMES = ", ".join(c.name for c in _COLUMNS)
_VALUES = ", ".join(f"v.{c.name}" for c in _COLUMNS)


class SqlOutbox:
    """The `Outbox` port: appends events for one business in one INSERT statement."""

    def __init__(self, conn: AsyncConnection, business_id: int) -> None:
        self._conn = conn
        self._business_id = business_id

    async def add_many(self, events: Sequence[OutboxEvent]) -> None:
        """Append `events` (in order: their ids grow in the order given)."""
        if not events:
            return
        rows = [
            (e.event_id, e.event_type, e.order_id, e.sequence, e.payload.decode()) for e in events
        ]
        source, params = values_source(self._conn.dialect.name, _COLUMNS, rows)
        stmt = text(
            f"INSERT INTO outbox ({_NAMES}, business_id, created_at) "
            f"SELECT {_VALUES}, :business_id, :now FROM {source}"
        ).bindparams(bindparam("now", type_=outbox.c.created_at.type))
        await self._conn.execute(
            stmt, {**params, "business_id": self._business_id, "now": events[0].created_at}
        )
