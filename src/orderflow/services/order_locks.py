"""Reading (and, on PostgreSQL, locking) the orders a batch names, by UUID or numeric id."""

from __future__ import annotations

from collections.abc import Sequence
from uuid import UUID

from orderflow.services.records import MAX_ORDER_ID, OrderRef, OrderSnapshot
from orderflow.services.unit_of_work import UnitOfWork

# Each order of a batch as named, with its numeric id (None: no such order), first mention only.
Numbered = list[tuple[int | None, OrderRef]]


async def locked_orders(
    uow: UnitOfWork, refs: Sequence[OrderRef], *, lock: bool
) -> tuple[Numbered, dict[int, OrderSnapshot]]:
    """The orders `refs` name (distinct), numbered, read and (on PostgreSQL, with `lock`) locked
    in id order: a batch named by UUIDs only is read in one statement by UUID, any other by
    numeric id. Deleted orders and other businesses' orders are not found."""
    uuids = [ref for ref in refs if isinstance(ref, UUID)]
    if uuids and len(uuids) == len(refs):
        snapshots = await uow.orders.lock_by_uuid(uuids, lock=lock)
        by_uuid = {snap.uuid: id_ for id_, snap in snapshots.items()}
        return [(by_uuid.get(ref), ref) for ref in uuids], snapshots
    numbered = await _numbered(uow, refs)
    ids = sorted({id_ for id_, _ in numbered if id_ is not None})
    return numbered, await uow.orders.lock_for_change(ids, lock=lock)


async def _numbered(uow: UnitOfWork, refs: Sequence[OrderRef]) -> Numbered:
    """Each order's numeric id, as named; an order named twice (by UUID and by number) keeps
    its first mention. One statement finds every UUID of the batch."""
    uuids = [ref for ref in refs if isinstance(ref, UUID)]
    if not uuids:
        return [(_number(ref), ref) for ref in refs]
    found = await uow.orders.ids_by_uuid(uuids)
    seen: set[int] = set()
    numbered: Numbered = []
    for ref in refs:
        id_ = found.get(ref) if isinstance(ref, UUID) else _number(ref)
        if id_ is not None:
            if id_ in seen:
                continue
            seen.add(id_)
        numbered.append((id_, ref))
    return numbered


def _number(ref: OrderRef) -> int | None:
    """The numeric id `ref` is, if it can be one (a number out of range names no order)."""
    return ref if isinstance(ref, int) and 0 < ref <= MAX_ORDER_ID else None
