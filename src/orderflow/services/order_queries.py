"""Find orders: a filtered, newest-first list with keyset cursors, the export, and the history."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass

from orderflow.domain.errors import InvalidInput, NotFound
from orderflow.services.cursors import CursorCodec, Direction
from orderflow.services.records import (
    Actor,
    HistoryEntry,
    Keyset,
    OrderFilter,
    OrderRef,
    OrderRow,
    StatisticsQuery,
    StatisticsRow,
)
from orderflow.services.unit_of_work import UnitOfWorkFactory

MAX_PAGE_SIZE = 25


@dataclass(frozen=True, slots=True)
class PageRequest:
    """Which page: the first, or the one after `next_cursor` / before `previous_cursor`."""

    size: int = MAX_PAGE_SIZE
    next_cursor: str | None = None
    previous_cursor: str | None = None


@dataclass(frozen=True, slots=True)
class OrderPage:
    orders: list[OrderRow]  # newest first
    next_cursor: str | None
    previous_cursor: str | None


def _keyset(row: OrderRow) -> Keyset:
    return Keyset(row.created_at, row.id)


async def list_orders(
    uow_factory: UnitOfWorkFactory,
    actor: Actor,
    where: OrderFilter,
    page: PageRequest,
    codec: CursorCodec,
) -> OrderPage:
    """One page of the business's orders matching `where`, newest first (keyset pagination)."""
    # Each cursor is checked first: one this service did not issue is `invalid_cursor`.
    after: Keyset | None = None
    if page.next_cursor is not None:
        after = codec.decode(page.next_cursor, Direction.NEXT, actor.business_id, where)
    if page.previous_cursor is not None:
        after = codec.decode(page.previous_cursor, Direction.PREVIOUS, actor.business_id, where)
    if page.next_cursor is not None and page.previous_cursor is not None:
        raise InvalidInput(
            "Give next_cursor or previous_cursor, not both",
            {"previous_cursor": ["cannot be combined with next_cursor"]},
        )
    backward = page.previous_cursor is not None
    async with uow_factory(actor.business_id, write=False) as uow:
        rows = await uow.orders.list_page(where, after, older=not backward, limit=page.size + 1)
    more = len(rows) > page.size
    rows = rows[: page.size]

    def cursor(direction: Direction, row: OrderRow) -> str:
        return codec.encode(direction, _keyset(row), actor.business_id, where)

    if backward:
        rows.reverse()
        previous = cursor(Direction.PREVIOUS, rows[0]) if more else None
        following = cursor(Direction.NEXT, rows[-1]) if rows else None
    else:
        following = cursor(Direction.NEXT, rows[-1]) if more else None
        previous = cursor(Direction.PREVIOUS, rows[0]) if after is not None and rows else None
    return OrderPage(rows, following, previous)


async def export_orders(
    uow_factory: UnitOfWorkFactory, actor: Actor, where: OrderFilter
) -> AsyncIterator[list[OrderRow]]:
    """Every matching order, newest first, in batches read inside one read transaction."""
    async with uow_factory(actor.business_id, write=False) as uow:
        async for batch in uow.orders.stream(where):
            yield batch


async def order_history(
    uow_factory: UnitOfWorkFactory, actor: Actor, ref: OrderRef
) -> list[HistoryEntry]:
    """Every applied change of one order of the caller's business, oldest first."""
    async with uow_factory(actor.business_id, write=False) as uow:
        entries = await uow.orders.history(ref)
    if entries is None:
        raise NotFound(f"order {ref} not found")
    return entries


async def order_statistics(
    uow_factory: UnitOfWorkFactory, actor: Actor, query: StatisticsQuery
) -> list[StatisticsRow]:
    """The business's orders matching the query's filter, counted per status and/or period."""
    async with uow_factory(actor.business_id, write=False) as uow:
        return await uow.orders.statistics(query)
