"""Status history rows: one per applied change, written in the change's transaction."""

from __future__ import annotations

import functools
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import bindparam, insert, select, text
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.sql.elements import TextClause

from orderflow.adapters.bulk import (
    PAYMENT_COLUMNS,
    BulkColumn,
    payment_values,
    values_params,
    values_sql,
)
from orderflow.adapters.tables import api_keys, order_status_history
from orderflow.domain.lifecycle import PAYMENT_FIELDS, OrderStatus, PaymentStatus
from orderflow.services.unit_of_work import Actor, AppliedChange, HistoryEntry

_HISTORY_COLUMNS = (
    BulkColumn("order_id", "bigint"),
    BulkColumn("from_status", "text"),
    BulkColumn("to_status", "text"),
    BulkColumn("from_payment_status", "text"),
    BulkColumn("to_payment_status", "text"),
    BulkColumn("by", "text"),
    *PAYMENT_COLUMNS,
)
_NAMES = ", ".join(f'"{c.name}"' for c in _HISTORY_COLUMNS)
_VALUES = ", ".join(f'v."{c.name}"' if c.name == "by" else f"v.{c.name}" for c in _HISTORY_COLUMNS)


@functools.cache
def _insert_changes(dialect: str) -> TextClause:
    # Built once: parsing this text for its parameters costs more than running it for 10 rows.
    return text(
        f"INSERT INTO order_status_history ({_NAMES}, business_id, api_key_id, request_id, "
        f"created_at) SELECT {_VALUES}, :business_id, :api_key_id, :request_id, :now "
        f"FROM {values_sql(dialect, _HISTORY_COLUMNS)}"
    ).bindparams(bindparam("now", type_=order_status_history.c.created_at.type))


class SqlHistoryRepository:
    """The `HistoryRepository` port over one connection and one business."""

    def __init__(self, conn: AsyncConnection, business_id: int) -> None:
        self._conn = conn
        self._business_id = business_id

    async def add_changes(
        self, changes: Sequence[AppliedChange], actor: Actor, now: datetime
    ) -> None:
        """One history row per applied change, in one INSERT statement."""
        rows = [
            (
                c.before.id,
                c.before.status.value,
                c.decision.status.value,
                c.before.payment_status.value,
                c.decision.payment_status.value,
                c.target.by,
                *payment_values(c.target.details),
            )
            for c in changes
        ]
        dialect = self._conn.dialect.name
        params = values_params(dialect, _HISTORY_COLUMNS, rows)
        await self._conn.execute(
            _insert_changes(dialect),
            {
                **params,
                "business_id": self._business_id,
                "api_key_id": actor.api_key_id,
                "request_id": actor.request_id,
                "now": now,
            },
        )

    async def add_creation(
        self,
        order_id: int,
        status: OrderStatus,
        payment_status: PaymentStatus,
        actor: Actor,
        now: datetime,
    ) -> None:
        """The first history row of a new order (it comes from nothing)."""
        await self._conn.execute(
            insert(order_status_history).values(
                business_id=self._business_id,
                order_id=order_id,
                from_status=None,
                to_status=status.value,
                from_payment_status=None,
                to_payment_status=payment_status.value,
                api_key_id=actor.api_key_id,
                request_id=actor.request_id,
                created_at=now,
            )
        )


async def history_entries(
    conn: AsyncConnection, business_id: int, order_id: int
) -> list[HistoryEntry]:
    """Every history row of one order of one business, oldest first."""
    h = order_status_history
    rows = await conn.execute(
        select(h, api_keys.c.prefix)
        .outerjoin(api_keys, api_keys.c.id == h.c.api_key_id)
        .where(h.c.business_id == business_id, h.c.order_id == order_id)
        .order_by(h.c.id)
    )
    return [
        HistoryEntry(
            from_status=r["from_status"],
            to_status=r["to_status"],
            from_payment_status=r["from_payment_status"],
            to_payment_status=r["to_payment_status"],
            by=r["by"],
            api_key_prefix=r["prefix"],
            request_id=r["request_id"],
            created_at=r["created_at"],
            payment={f: r[f] for f in PAYMENT_FIELDS if r[f] is not None},
        )
        for r in rows.mappings()
    ]
