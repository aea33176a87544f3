"""Change the status of many orders at once: the centre of orderflow."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from uuid import UUID

from orderflow.domain.errors import BatchRefused, Rejection
from orderflow.domain.lifecycle import (
    Decision,
    OrderStatus,
    PaymentStatus,
    Target,
    decide,
)
from orderflow.services.idempotency import Idempotent, remember, replay_if_seen
from orderflow.services.order_events import change_events
from orderflow.services.retry import retrying
from orderflow.services.unit_of_work import (
    MAX_ORDER_ID,
    Actor,
    AppliedChange,
    OrderRef,
    OrderSnapshot,
    UnitOfWork,
    UnitOfWorkFactory,
)

ORDER_NOT_FOUND = "order_not_found"
INVALID_TRANSITION = "invalid_transition"


@dataclass(frozen=True, slots=True)
class ChangeOrderStatus:
    """Move every order in `ids` to `target` (duplicates collapse to the first occurrence, also
    when one names the order by its UUID and another by its numeric id)."""

    ids: Sequence[OrderRef]
    target: Target
    skip_refused: bool = False
    dry_run: bool = False


@dataclass(frozen=True, slots=True)
class ChangeOrderStatuses:
    """Move each order to its own target (`rows` of id and target, first occurrence wins)."""

    rows: Sequence[tuple[OrderRef, Target]]
    skip_refused: bool = False
    dry_run: bool = False


@dataclass(frozen=True, slots=True)
class OrderState:
    """An order of the batch as it is after the command (or would be, in a dry run)."""

    id: int
    uuid: UUID
    order_id: str
    status: OrderStatus
    payment_status: PaymentStatus


@dataclass(slots=True)
class ChangeStatusResult:
    data: list[OrderState] = field(default_factory=list)
    rejected: list[Rejection] = field(default_factory=list)
    changed: int = 0
    changed_by_status: dict[str, int] = field(default_factory=dict)  # new status → orders


Clock = Callable[[], datetime]


def utc_now() -> datetime:
    """The current time, aware, in UTC."""
    return datetime.now(UTC)


async def change_status(
    uow_factory: UnitOfWorkFactory,
    actor: Actor,
    command: ChangeOrderStatus | ChangeOrderStatuses,
    clock: Clock = utc_now,
    idempotency: Idempotent[ChangeStatusResult] | None = None,
) -> ChangeStatusResult:
    """Apply a batch all-or-nothing (or skipping refused orders), with history and outbox rows.

    With `idempotency`, the answer is stored with the change (a dry run changes and stores
    nothing); a conflict the database aborted is run again.
    """
    wanted: dict[OrderRef, Target]
    if isinstance(command, ChangeOrderStatus):
        wanted = dict.fromkeys(command.ids, command.target)
    else:
        wanted = {}
        for ref, target in command.rows:
            wanted.setdefault(ref, target)
    if command.dry_run:
        idempotency = None
    return await retrying(lambda: _apply(uow_factory, actor, command, wanted, clock, idempotency))


async def _apply(
    uow_factory: UnitOfWorkFactory,
    actor: Actor,
    command: ChangeOrderStatus | ChangeOrderStatuses,
    wanted: dict[OrderRef, Target],
    clock: Clock,
    idempotency: Idempotent[ChangeStatusResult] | None,
) -> ChangeStatusResult:
    key = idempotency.key.key if idempotency else None
    async with uow_factory(
        actor.business_id, write=not command.dry_run, idempotency_key=key
    ) as uow:
        if idempotency:
            await replay_if_seen(uow, idempotency.key, clock())
        by_id, snapshots = await _locked(uow, wanted, lock=not command.dry_run)
        result, applied = _plan(by_id, snapshots)
        if result.rejected and not command.skip_refused:
            refusal = _refusal(result.rejected, len(wanted))
            if idempotency:
                await remember(uow, idempotency, refusal, clock())
                await uow.commit()
            raise refusal
        result.changed = len(applied)
        for change in applied:
            status = change.decision.status.value
            result.changed_by_status[status] = result.changed_by_status.get(status, 0) + 1
        if applied and not command.dry_run:
            now = clock()
            await uow.orders.update_many(applied, now)
            await uow.history.add_changes(applied, actor, now)
            await uow.outbox.add_many(change_events(applied, now))
        if idempotency:
            await remember(uow, idempotency, result, clock())
        if (applied and not command.dry_run) or idempotency:
            await uow.commit()
    return result


async def _locked(
    uow: UnitOfWork, wanted: dict[OrderRef, Target], *, lock: bool
) -> tuple[list[tuple[int | None, OrderRef, Target]], dict[int, OrderSnapshot]]:
    """The wanted orders, numbered (see `_numbered`), read and (on PostgreSQL) locked: a batch
    named by UUIDs only is read in one statement by UUID, any other by numeric id."""
    uuids = [ref for ref in wanted if isinstance(ref, UUID)]
    if uuids and len(uuids) == len(wanted):
        snapshots = await uow.orders.lock_by_uuid(uuids, lock=lock)
        by_uuid = {snap.uuid: id_ for id_, snap in snapshots.items()}
        numbered: list[tuple[int | None, OrderRef, Target]] = [
            (by_uuid.get(ref), ref, wanted[ref]) for ref in uuids
        ]
        return numbered, snapshots
    numbered = await _numbered(uow, wanted)
    ids = sorted({id_ for id_, _, _ in numbered if id_ is not None})
    return numbered, await uow.orders.lock_for_change(ids, lock=lock)


async def _numbered(
    uow: UnitOfWork, wanted: dict[OrderRef, Target]
) -> list[tuple[int | None, OrderRef, Target]]:
    """Each wanted order's numeric id (None: no such UUID), as named and with its target; an
    order named twice (by UUID and by number) keeps its first mention. One statement finds
    every UUID of the batch."""
    uuids = [ref for ref in wanted if isinstance(ref, UUID)]
    if not uuids:
        return [(_number(ref), ref, target) for ref, target in wanted.items()]
    found = await uow.orders.ids_by_uuid(uuids)
    seen: set[int] = set()
    numbered: list[tuple[int | None, OrderRef, Target]] = []
    for ref, target in wanted.items():
        id_ = found.get(ref) if isinstance(ref, UUID) else _number(ref)
        if id_ is not None:
            if id_ in seen:
                continue
            seen.add(id_)
        numbered.append((id_, ref, target))
    return numbered


def _number(ref: OrderRef) -> int | None:
    """The numeric id `ref` is, if it can be one (a number out of range names no order)."""
    return ref if isinstance(ref, int) and 0 < ref <= MAX_ORDER_ID else None


def _plan(
    wanted: list[tuple[int | None, OrderRef, Target]], snapshots: dict[int, OrderSnapshot]
) -> tuple[ChangeStatusResult, list[AppliedChange]]:
    """Decide each distinct (status, payment status, target) once, not once per order."""
    result = ChangeStatusResult()
    applied: list[AppliedChange] = []
    decisions: dict[tuple[OrderStatus, PaymentStatus, Target], Decision] = {}
    for id_, ref, target in wanted:
        snap = snapshots.get(id_) if id_ is not None else None
        if snap is None:
            result.rejected.append(Rejection(ref, ORDER_NOT_FOUND, f"order {ref} not found"))
            continue
        key = (snap.status, snap.payment_status, target)
        decision = decisions.get(key)
        if decision is None:
            decision = decisions[key] = decide(snap.status, snap.payment_status, target)
        if decision.refusal is not None:
            result.rejected.append(
                Rejection(
                    ref, decision.refusal.code.value, decision.refusal.message, snap.id, snap.uuid
                )
            )
            continue
        if decision.changes:
            applied.append(AppliedChange(snap, decision, target))
        result.data.append(
            OrderState(snap.id, snap.uuid, snap.order_id, decision.status, decision.payment_status)
        )
    return result, applied


def _refusal(rejected: list[Rejection], total: int) -> BatchRefused:
    unknown = sum(1 for r in rejected if r.error_code == ORDER_NOT_FOUND)
    if unknown:
        return BatchRefused(
            ORDER_NOT_FOUND,
            f"{unknown} of {total} orders were not found; nothing was changed",
            rejected,
        )
    return BatchRefused(
        INVALID_TRANSITION,
        f"{len(rejected)} of {total} orders cannot make this change; nothing was changed",
        rejected,
    )
