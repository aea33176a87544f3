"""Orders of one business, in SQL: every statement is built by its scope (tenancy.py)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

from sqlalchemy import bindparam, insert, select
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.types import Text

from orderflow.adapters import change_statements, order_listing, order_statistics
from orderflow.adapters.bulk import detail_values, one_target
from orderflow.adapters.change_statements import LIVE
from orderflow.adapters.driver_statements import driver_statement
from orderflow.adapters.history_repository import history_entries
from orderflow.adapters.order_listing import ORDER_ROW_COLUMNS
from orderflow.adapters.sql_dialect import sql_dialect
from orderflow.adapters.tables import (
    PAYMENT_TIME_COLUMNS,
    STATUS_TIME_COLUMNS,
    order_items,
    orders,
)
from orderflow.adapters.tenancy import Scope
from orderflow.domain.lifecycle import (
    DETAIL_FIELDS,
    OrderStatus,
    PaymentStatus,
)
from orderflow.services.records import (
    AppliedChange,
    HistoryEntry,
    Keyset,
    NewOrder,
    OrderFilter,
    OrderItem,
    OrderRecord,
    OrderRef,
    OrderRow,
    OrderSnapshot,
    StatisticsQuery,
    StatisticsRow,
)

_STATUSES = {s.value: s for s in OrderStatus}
_PAYMENT_STATUSES = {p.value: p for p in PaymentStatus}


class SqlOrderRepository:
    """The `OrderRepository` port over one connection and one business."""

    def __init__(self, conn: AsyncConnection, business_id: int) -> None:
        self._conn = conn
        self._scope = Scope(business_id)
        self._dialect = sql_dialect(conn)

    async def lock_for_change(
        self, ids: Sequence[int], *, lock: bool = True
    ) -> dict[int, OrderSnapshot]:
        """Read the orders; on PostgreSQL lock them, in id order so batches cannot deadlock."""
        return await self._snapshots(ids, lock, by_uuid=False)

    async def lock_by_uuid(
        self, uuids: Sequence[UUID], *, lock: bool = True
    ) -> dict[int, OrderSnapshot]:
        """`lock_for_change` for orders named by UUID: one statement on (business_id, uuid),
        locking in id order all the same."""
        return await self._snapshots(uuids, lock, by_uuid=True)

    async def _snapshots(
        self, refs: Sequence[int] | Sequence[UUID], lock: bool, *, by_uuid: bool
    ) -> dict[int, OrderSnapshot]:
        dialect = self._dialect
        stmt = driver_statement(
            self._conn.dialect,
            ("lock_for_change", lock, by_uuid),
            lambda: change_statements.select_snapshots(dialect, lock, by_uuid),
            change_statements.SNAPSHOT_COLUMNS,
        )
        rows = await self._scope.fetch(self._conn, stmt, {"ids": dialect.list_param(refs)})
        # Plain tuples and dict lookups: this loop runs for every order of a 10,000-order batch.
        # The columns are read in the snapshot's field order (SNAPSHOT_NAMES); asyncpg's UUID
        # is a subclass of uuid.UUID.
        return {
            row[0]: OrderSnapshot(
                row[0], row[1], row[2], _STATUSES[row[3]], _PAYMENT_STATUSES[row[4]], *row[5:]
            )
            for row in rows
        }

    async def update_many(self, changes: Sequence[AppliedChange], now: datetime) -> None:
        """Apply every change in one UPDATE statement. A detail is written `COALESCE`d with
        what the order holds; a revert's statement also empties the details it clears."""
        target = one_target(changes)
        clears = any(change.target.cleared for change in changes)
        rows = change_statements.update_rows(changes, with_target=target is None, clears=clears)
        dialect, shared = self._dialect, target is not None
        params = dialect.values_params(change_statements.update_columns(shared, clears), rows)
        if target is not None:
            params.update(zip(DETAIL_FIELDS, detail_values(target), strict=True))
        stmt = driver_statement(
            self._conn.dialect,
            ("update_many", shared, clears),
            lambda: change_statements.update_statement(dialect, shared, clears),
        )
        await self._scope.execute(self._conn, stmt, {**params, "now": now})

    async def delete_many(self, ids: Sequence[int], now: datetime) -> None:
        """Mark the orders deleted, in one UPDATE: their rows stay for history and events."""
        await self._conn.execute(
            self._scope.update(orders)
            .where(orders.c.id.in_(bindparam("ids", expanding=True)), LIVE)
            .values(deleted_at=now, updated_at=now, version=orders.c.version + 1),
            {"ids": list(ids)},
        )

    async def add(
        self, order: NewOrder, order_id: str, status: OrderStatus, now: datetime
    ) -> int | None:
        """Insert a new order and its items; None when `order_id` is already taken."""
        subtotal = sum((i.price * i.quantity for i in order.items), Decimal("0.00"))
        stmt = (
            self._scope.upsert(orders, self._dialect)
            .values(
                **({"uuid": order.uuid} if order.uuid is not None else {}),
                order_id=order_id,
                status=status.value,
                payment_status=PaymentStatus.UNPAID.value,
                payment_method=order.payment_method.value if order.payment_method else None,
                customer_name=order.customer_name,
                customer_phone=order.customer_phone,
                customer_email=order.customer_email,
                subtotal=subtotal,
                shipping_cost=order.shipping_cost,
                total=subtotal + order.shipping_cost,
                version=1,
                created_at=now,
                updated_at=now,
                **{STATUS_TIME_COLUMNS[status.value]: now, PAYMENT_TIME_COLUMNS["unpaid"]: now},
            )
            .on_conflict_do_nothing(index_elements=["business_id", "order_id"])
            .returning(orders.c.id)
        )
        new_id = (await self._conn.execute(stmt)).scalar_one_or_none()
        if new_id is None:
            return None
        await self._conn.execute(
            insert(order_items),
            [
                {
                    "order_id": new_id,
                    "position": position,
                    "name": item.name,
                    "quantity": item.quantity,
                    "price": item.price,
                }
                for position, item in enumerate(order.items)
            ],
        )
        return int(new_id)

    def _named(self, ref: OrderRef) -> Any:
        """The condition that picks the order `ref` names (deleted or not); its business is the
        statement's scope."""
        return orders.c.uuid == ref if isinstance(ref, UUID) else orders.c.id == ref

    async def get(self, ref: OrderRef) -> OrderRecord | None:
        """The order with its items and history, or None if this business has no such order
        (or deleted it)."""
        query = self._scope.select(orders, *ORDER_ROW_COLUMNS).where(self._named(ref), LIVE)
        row = (await self._conn.execute(query)).first()
        if row is None:
            return None
        order = OrderRow(*row)
        items = await self._conn.execute(
            select(order_items.c.name, order_items.c.quantity, order_items.c.price)
            .where(order_items.c.order_id == order.id)
            .order_by(order_items.c.position)
        )
        history = await history_entries(self._conn, self._scope, order.id)
        return OrderRecord(order, [OrderItem(*item) for item in items], history)

    async def history(self, ref: OrderRef) -> list[HistoryEntry] | None:
        """The order's history, oldest first, or None if this business has no such order; a
        deleted order's history stays, for the audit trail."""
        query = self._scope.select(orders, orders.c.id).where(self._named(ref))
        id_ = (await self._conn.execute(query)).scalar()
        if id_ is None:
            return None
        return await history_entries(self._conn, self._scope, id_)

    async def ids_by_uuid(self, uuids: Sequence[UUID]) -> dict[UUID, int]:
        """The numeric ids of the orders with these UUIDs: one statement on the
        (business_id, uuid) index, whatever their number."""
        dialect = self._dialect
        stmt = driver_statement(
            self._conn.dialect,
            "ids_by_uuid",
            lambda: change_statements.select_ids_by_uuid(dialect),
            (orders.c.uuid, orders.c.id),
        )
        rows = await self._scope.fetch(self._conn, stmt, {"uuids": dialect.list_param(uuids)})
        return {uuid: id_ for uuid, id_ in rows}

    async def list_page(
        self, where: OrderFilter, after: Keyset | None, *, older: bool, limit: int
    ) -> list[OrderRow]:
        """Up to `limit` matching orders past `after` (see `order_listing.list_page`)."""
        return await order_listing.list_page(
            self._conn, self._scope, where, after, older=older, limit=limit
        )

    def stream(self, where: OrderFilter) -> AsyncIterator[list[OrderRow]]:
        """Every matching order, newest first, in batches of up to 1,000."""
        return order_listing.stream(self._conn, self._scope, where)

    async def statistics(self, query: StatisticsQuery) -> list[StatisticsRow]:
        """The matching orders counted per status and/or period (see `order_statistics`)."""
        return await order_statistics.statistics(self._conn, self._scope, query)

    async def ids_by_number(self, numbers: Sequence[str]) -> dict[str, int]:
        """The ids of the orders with these business-facing numbers (unknown ones are absent)."""
        match = self._dialect.any_of(orders.c.order_id, "numbers", Text())
        result = await self._conn.execute(
            self._scope.select(orders, orders.c.order_id, orders.c.id).where(match, LIVE),
            {"numbers": self._dialect.list_param(numbers)},
        )
        return {number: id_ for number, id_ in result}
