"""The events the outbox holds, one per event as the relay renders them (a row may hold two)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import orjson
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.sql.elements import ColumnElement

from orderflow.adapters.tables import outbox
from orderflow.services.order_events import event_data


@dataclass(frozen=True)
class StoredEvent:
    event_id: str
    event_type: str
    order_id: int | None
    sequence: int | None
    data: dict[str, Any]  # the `data` orderflow has always sent (contract 2025-01-01)


async def outbox_events(conn: AsyncConnection, *where: ColumnElement[bool]) -> list[StoredEvent]:
    """Every event of the outbox rows matching `where`, in the order they were made."""
    rows = await conn.execute(select(outbox).where(*where).order_by(outbox.c.id))
    events: list[StoredEvent] = []
    for r in rows.mappings():
        kinds = [(r["event_id"], r["event_type"], r["sequence"])]
        if r["next_event_type"] is not None:
            kinds.append((r["next_event_id"], r["next_event_type"], r["sequence"] + 1))
        for event_id, event_type, sequence in kinds:
            data = event_data(
                event_type, r["payload"].encode(), r["order_id"], sequence, r["created_at"]
            )
            events.append(
                StoredEvent(event_id, event_type, r["order_id"], sequence, orjson.loads(data))
            )
    return events
