"""Delete many orders at once (`POST /v3/orders/delete`), all-or-nothing unless asked to skip.

Only a draft or a canceled order can be deleted (Scalev's rule). A deleted order is gone for
every read and change; its row stays, marked, so that its history (with a `deleted` row naming
who deleted it) and its events stay for the audit trail.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from uuid import UUID

from orderflow.domain.errors import BatchRefused, Rejection
from orderflow.domain.lifecycle import RefusalCode, deletion_refusal
from orderflow.services.change_status import ORDER_NOT_FOUND, Clock, utc_now
from orderflow.services.idempotency import Idempotent, remember, replay_if_seen
from orderflow.services.order_events import deleted_event
from orderflow.services.order_locks import locked_orders
from orderflow.services.records import Actor, OrderRef, OrderSnapshot
from orderflow.services.retry import retrying
from orderflow.services.unit_of_work import UnitOfWorkFactory

NOT_DELETABLE = RefusalCode.NOT_DELETABLE.value


@dataclass(frozen=True, slots=True)
class DeleteOrders:
    """Delete every order in `ids` (duplicates collapse to the first mention)."""

    ids: Sequence[OrderRef]
    skip_refused: bool = False
    dry_run: bool = False


@dataclass(frozen=True, slots=True)
class DeletedOrder:
    id: int
    uuid: UUID
    order_id: str


@dataclass(slots=True)
class DeleteResult:
    """The orders deleted (in a dry run: that would be), and those left, with why."""

    data: list[DeletedOrder] = field(default_factory=list)
    rejected: list[Rejection] = field(default_factory=list)


async def delete_orders(
    uow_factory: UnitOfWorkFactory,
    actor: Actor,
    command: DeleteOrders,
    clock: Clock = utc_now,
    idempotency: Idempotent[DeleteResult] | None = None,
) -> DeleteResult:
    """Delete the orders, each with a history row and an `order.deleted` event, in one
    transaction; a conflict the database aborted is run again."""
    if command.dry_run:
        idempotency = None
    return await retrying(lambda: _apply(uow_factory, actor, command, clock, idempotency))


async def _apply(
    uow_factory: UnitOfWorkFactory,
    actor: Actor,
    command: DeleteOrders,
    clock: Clock,
    idempotency: Idempotent[DeleteResult] | None,
) -> DeleteResult:
    refs = list(dict.fromkeys(command.ids))
    key = idempotency.key.key if idempotency else None
    async with uow_factory(
        actor.business_id, write=not command.dry_run, idempotency_key=key
    ) as uow:
        if idempotency:
            await replay_if_seen(uow, idempotency.key, clock())
        numbered, snapshots = await locked_orders(uow, refs, lock=not command.dry_run)
        result, deleted = _plan(numbered, snapshots)
        if result.rejected and not command.skip_refused:
            refusal = _refusal(result.rejected, len(numbered))
            if idempotency:
                await remember(uow, idempotency, refusal, clock())
                await uow.commit()
            raise refusal
        if deleted and not command.dry_run:
            now = clock()
            await uow.orders.delete_many([o.id for o in deleted], now)
            await uow.history.add_deletions(deleted, actor, now)
            await uow.outbox.add_many([deleted_event(o, now) for o in deleted])
        if idempotency:
            await remember(uow, idempotency, result, clock())
        if (deleted and not command.dry_run) or idempotency:
            await uow.commit()
    return result


def _plan(
    numbered: list[tuple[int | None, OrderRef]], snapshots: dict[int, OrderSnapshot]
) -> tuple[DeleteResult, list[OrderSnapshot]]:
    result = DeleteResult()
    deleted: list[OrderSnapshot] = []
    for id_, ref in numbered:
        snap = snapshots.get(id_) if id_ is not None else None
        if snap is None:
            result.rejected.append(Rejection(ref, ORDER_NOT_FOUND, f"order {ref} not found"))
            continue
        refusal = deletion_refusal(snap.status)
        if refusal is not None:
            result.rejected.append(
                Rejection(ref, refusal.code.value, refusal.message, snap.id, snap.uuid)
            )
            continue
        deleted.append(snap)
        result.data.append(DeletedOrder(snap.id, snap.uuid, snap.order_id))
    return result, deleted


def _refusal(rejected: list[Rejection], total: int) -> BatchRefused:
    unknown = sum(1 for r in rejected if r.error_code == ORDER_NOT_FOUND)
    if unknown:
        return BatchRefused(
            ORDER_NOT_FOUND,
            f"{unknown} of {total} orders were not found; nothing was deleted",
            rejected,
        )
    return BatchRefused(
        NOT_DELETABLE,
        f"{len(rejected)} of {total} orders cannot be deleted (only draft and canceled "
        "orders can); nothing was deleted",
        rejected,
    )
