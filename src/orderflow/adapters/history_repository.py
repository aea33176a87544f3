"""Status history rows: one per applied change, written in the change's transaction."""

from __future__ import annotations

import functools
from collections.abc import Sequence
from datetime import datetime
from typing import Any

import orjson
from sqlalchemy import bindparam, text
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.sql.elements import TextClause

from orderflow.adapters import request_history
from orderflow.adapters.bulk import DETAIL_COLUMNS, detail_values, one_target
from orderflow.adapters.driver_statements import driver_statement
from orderflow.adapters.sql_dialect import BulkColumn, SqlDialect, sql_dialect
from orderflow.adapters.tables import api_keys, order_status_history
from orderflow.adapters.tenancy import BUSINESS_PARAM, Scope
from orderflow.domain.lifecycle import (
    ChangeKind,
    OrderStatus,
    PaymentStatus,
    Target,
    written_details,
)
from orderflow.services.records import (
    Actor,
    AppliedChange,
    HistoryEntry,
    LaterChange,
    OrderSnapshot,
    RecordedChange,
    RequestSummary,
)

_ROW_COLUMNS = (
    BulkColumn("order_id", "bigint"),
    BulkColumn("from_status", "text"),
    BulkColumn("to_status", "text"),
    BulkColumn("from_payment_status", "text"),
    BulkColumn("to_payment_status", "text"),
    BulkColumn("kind", "text"),
    BulkColumn("entered_at", "timestamptz"),  # the row's time, if not :now
    BulkColumn("previous_details", "text"),  # what the details it writes held (JSON), or NULL
)
_TARGET_COLUMNS = (BulkColumn("by", "text"), *DETAIL_COLUMNS)
_HISTORY_COLUMNS = (*_ROW_COLUMNS, *_TARGET_COLUMNS)
_NAMES = ", ".join(f'"{c.name}"' for c in _HISTORY_COLUMNS if c.name != "entered_at")


@functools.cache
def _insert_changes(dialect: SqlDialect, shared_target: bool) -> TextClause:
    # Built once: parsing this text for its parameters costs more than running it for 10 rows.
    if shared_target:
        source = dialect.values_sql(_ROW_COLUMNS)
        target = [dialect.shared_value_sql(c) for c in _TARGET_COLUMNS]
    else:
        source = dialect.values_sql(_HISTORY_COLUMNS)
        target = [f'v."{c.name}"' for c in _TARGET_COLUMNS]
    row = [f"v.{c.name}" for c in _ROW_COLUMNS if c.name != "entered_at"]
    values = ", ".join([*row, *target])
    transfer_time = order_status_history.c.transfer_time.type
    return text(
        f"INSERT INTO order_status_history ({_NAMES}, business_id, api_key_id, request_id, "
        f"reverts, created_at) SELECT {values}, :{BUSINESS_PARAM}, :api_key_id, :request_id, "
        f":reverts, COALESCE(v.entered_at, :now) FROM {source}"
    ).bindparams(
        bindparam("now", type_=order_status_history.c.created_at.type),
        *([bindparam("transfer_time", type_=transfer_time)] if shared_target else []),
    )


def _target_values(target: Target) -> tuple[Any, ...]:
    return (target.by, *detail_values(target))


def _previous_details(change: AppliedChange, written: tuple[str, ...]) -> str | None:
    """The `previous_details` of a change writing the details `written`: what the order held
    of each, as a JSON object of the values it held (a detail written and absent held none;
    `{}`: it held none of them); None when the change writes no detail."""
    if not written:
        return None
    before = change.before
    held = {n: v for n in written if (v := getattr(before, n)) is not None}
    return orjson.dumps(held, option=orjson.OPT_UTC_Z).decode()


def _history_rows(changes: Sequence[AppliedChange], *, with_target: bool) -> list[tuple[Any, ...]]:
    # The statuses come from a handful of decisions: their values are looked up once per kind.
    states: dict[tuple[int, int, int], tuple[str, str, str, str, str]] = {}
    written: dict[int, tuple[str, ...]] = {}  # by target: most batches share one
    rows: list[tuple[Any, ...]] = []
    for c in changes:
        before, d = c.before, c.decision
        names = written.get(id(c.target))
        if names is None:
            names = written[id(c.target)] = written_details(c.target)
        previous = _previous_details(c, names)
        key = (id(d), id(before.status), id(before.payment_status))
        state = states.get(key)
        if state is None:
            state = states[key] = (
                before.status.value,
                d.status.value,
                before.payment_status.value,
                d.payment_status.value,
                c.kind.value,
            )
        if with_target:
            rows.append((before.id, *state, c.entered_at, previous, *_target_values(c.target)))
        else:
            rows.append((before.id, *state, c.entered_at, previous))
    return rows


class SqlHistoryRepository:
    """The `HistoryRepository` port over one connection and one business."""

    def __init__(self, conn: AsyncConnection, business_id: int) -> None:
        self._conn = conn
        self._scope = Scope(business_id)

    async def add_changes(
        self,
        changes: Sequence[AppliedChange],
        actor: Actor,
        now: datetime,
        reverts: str | None = None,
    ) -> None:
        """One history row per applied change, in one INSERT statement; `reverts`: the request
        id the changes revert."""
        target = one_target(changes)
        rows = _history_rows(changes, with_target=target is None)
        dialect, shared = sql_dialect(self._conn), target is not None
        columns = _HISTORY_COLUMNS if target is None else _ROW_COLUMNS
        params = dialect.values_params(columns, rows)
        if target is not None:
            names = (c.name for c in _TARGET_COLUMNS)
            params.update(zip(names, _target_values(target), strict=True))
        stmt = driver_statement(
            self._conn.dialect, ("add_changes", shared), lambda: _insert_changes(dialect, shared)
        )
        await self._scope.execute(
            self._conn,
            stmt,
            {
                **params,
                "api_key_id": actor.api_key_id,
                "request_id": actor.request_id,
                "reverts": reverts,
                "now": now,
            },
        )

    async def request_changes(
        self, request_id: str, *, after: int | None = None, limit: int
    ) -> list[RecordedChange]:
        """Up to `limit` rows `request_id` wrote (past row `after`), oldest first."""
        return await request_history.request_changes(
            self._conn, self._scope, request_id, after=after, limit=limit
        )

    async def changes_after(
        self, order_ids: Sequence[int], after: int, request_id: str
    ) -> list[LaterChange]:
        """Every row of these orders newer than row `after` from another request than
        `request_id`, oldest first."""
        return await request_history.changes_after(
            self._conn, self._scope, order_ids, after, request_id
        )

    async def reverted_orders(self, request_id: str, order_ids: Sequence[int]) -> dict[int, str]:
        """Of these orders, those a revert of `request_id` put back, and that revert's id."""
        return await request_history.reverted_orders(self._conn, self._scope, request_id, order_ids)

    async def request_summary(self, request_id: str) -> RequestSummary | None:
        """What `request_id` wrote, counted (None: nothing, for this business)."""
        return await request_history.request_summary(self._conn, self._scope, request_id)

    async def add_deletions(
        self, orders: Sequence[OrderSnapshot], actor: Actor, now: datetime
    ) -> None:
        """One `deleted` row per order, its statuses as they were, in one INSERT."""
        await self._conn.execute(
            self._scope.insert(order_status_history),
            [
                {
                    "order_id": o.id,
                    "from_status": o.status.value,
                    "to_status": o.status.value,
                    "from_payment_status": o.payment_status.value,
                    "to_payment_status": o.payment_status.value,
                    "kind": ChangeKind.DELETED.value,
                    "api_key_id": actor.api_key_id,
                    "request_id": actor.request_id,
                    "created_at": now,
                }
                for o in orders
            ],
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
            self._scope.insert(order_status_history).values(
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


async def history_entries(conn: AsyncConnection, scope: Scope, order_id: int) -> list[HistoryEntry]:
    """Every history row of one order of the business, oldest first."""
    h = order_status_history
    rows = await conn.execute(
        scope.select(h, h, api_keys.c.prefix)
        .outerjoin(api_keys, (api_keys.c.id == h.c.api_key_id) & scope.owns(api_keys))
        .where(h.c.order_id == order_id)
        .order_by(h.c.id)
    )
    return [
        HistoryEntry(
            from_status=r.from_status,
            to_status=r.to_status,
            from_payment_status=r.from_payment_status,
            to_payment_status=r.to_payment_status,
            by=r.by,
            api_key_prefix=r.prefix,
            request_id=r.request_id,
            created_at=r.created_at,
            kind=ChangeKind(r.kind),
            shipment_receipt=r.shipment_receipt,
            payment_method=r.payment_method,
            financial_entity_id=r.financial_entity_id,
            payment_account_holder=r.payment_account_holder,
            payment_account_number=r.payment_account_number,
            transfer_time=r.transfer_time,
            transferproof_url=r.transferproof_url,
            rtsproof_url=r.rtsproof_url,
            reverts=r.reverts,
        )
        for r in rows
    ]
