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
    Refusal,
    RefusalCode,
    Target,
    changes_details,
    decide,
    status_time,
)
from orderflow.services.idempotency import Idempotent, remember, replay_if_seen
from orderflow.services.order_events import change_events
from orderflow.services.order_locks import Numbered, locked_orders
from orderflow.services.records import Actor, AppliedChange, OrderRef, OrderSnapshot
from orderflow.services.retry import retrying
from orderflow.services.unit_of_work import UnitOfWork, UnitOfWorkFactory

ORDER_NOT_FOUND = "order_not_found"
INVALID_TRANSITION = RefusalCode.INVALID_TRANSITION.value
INVALID_STATUS_TIME = RefusalCode.INVALID_STATUS_TIME.value


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
        numbered, snapshots = await locked_orders(uow, list(wanted), lock=not command.dry_run)
        result, applied = plan_changes(numbered, wanted, snapshots, clock())
        if result.rejected and not command.skip_refused:
            refusal = _refusal(result.rejected, len(wanted))
            if idempotency:
                await remember(uow, idempotency, refusal, clock())
                await uow.commit()
            raise refusal
        count_changes(result, applied)
        if applied and not command.dry_run:
            await write_changes(uow, applied, actor, clock())
        if idempotency:
            await remember(uow, idempotency, result, clock())
        if (applied and not command.dry_run) or idempotency:
            await uow.commit()
    return result


def count_changes(result: ChangeStatusResult, applied: list[AppliedChange]) -> None:
    """Count the applied changes in `result`, in all and per new status."""
    result.changed = len(applied)
    for change in applied:
        status = change.decision.status.value
        result.changed_by_status[status] = result.changed_by_status.get(status, 0) + 1


async def write_changes(
    uow: UnitOfWork,
    applied: list[AppliedChange],
    actor: Actor,
    now: datetime,
    reverts: str | None = None,
) -> None:
    """What every applied change writes, in the caller's transaction: the orders, one history
    row each (marked as the revert of request `reverts`, if one) and their outbox events."""
    await uow.orders.update_many(applied, now)
    await uow.history.add_changes(applied, actor, now, reverts)
    await uow.outbox.add_many(change_events(applied, now))


def plan_changes(
    numbered: Numbered,
    wanted: dict[OrderRef, Target],
    snapshots: dict[int, OrderSnapshot],
    now: datetime,
) -> tuple[ChangeStatusResult, list[AppliedChange]]:
    """Decide each distinct (status, payment status, target) once, not once per order. An
    order whose statuses stay put changes when the target gives details it does not hold."""
    result = ChangeStatusResult()
    applied: list[AppliedChange] = []
    decisions: dict[tuple[OrderStatus, PaymentStatus, Target], Decision] = {}
    for id_, ref in numbered:
        target = wanted[ref]
        snap = snapshots.get(id_) if id_ is not None else None
        if snap is None:
            result.rejected.append(Rejection(ref, ORDER_NOT_FOUND, f"order {ref} not found"))
            continue
        key = (snap.status, snap.payment_status, target)
        decision = decisions.get(key)
        if decision is None:
            decision = decisions[key] = decide(snap.status, snap.payment_status, target)
        refusal, entered_at = decision.refusal, None
        if refusal is None and target.status_day is not None:
            timed = status_time(target.status_day, snap.created_at, now)
            refusal, entered_at = (timed, None) if isinstance(timed, Refusal) else (None, timed)
        if refusal is not None:
            result.rejected.append(
                Rejection(ref, refusal.code.value, refusal.message, snap.id, snap.uuid)
            )
            continue
        if decision.entered_status is None:
            entered_at = None  # the order stays in its status: when it entered it stays too
        if decision.changes or changes_details(target, snap):
            applied.append(AppliedChange(snap, decision, target, entered_at))
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
    if all(r.error_code == INVALID_STATUS_TIME for r in rejected):
        return BatchRefused(
            INVALID_STATUS_TIME,
            f"{len(rejected)} of {total} orders cannot enter their status on the date given; "
            "nothing was changed",
            rejected,
        )
    return BatchRefused(
        INVALID_TRANSITION,
        f"{len(rejected)} of {total} orders cannot make this change; nothing was changed",
        rejected,
    )
