"""Put back what one request changed (`POST /v3/orders/revert`), all-or-nothing unless asked to
skip.

Every order the request changed goes back to the status, payment status and details it had
before, as a new change (history row marked as the revert of that request, outbox events like any
change's), through the same planning and writes as change-status. An order is refused when it was
changed since (`changed_since`), when the lifecycle does not allow the way back
(`invalid_transition`), when the request was already reverted for it (`already_reverted`), or when
the change wrote details whose values before it were not recorded (`details_not_recorded`: rows
written before migration 0012).

"Changed since" is read while the orders are locked: no history row of the order after the
request's first row for it, but the request's own. A request id the caller sent on several
requests names all of them; an order it changed twice goes back to before the first time.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from orderflow.domain.errors import BatchRefused, InvalidInput, NotFound, Rejection
from orderflow.domain.lifecycle import (
    DETAIL_FIELDS,
    PAYMENT_FIELDS,
    ChangeKind,
    PaymentDetails,
    PaymentMethod,
    Target,
)
from orderflow.services.change_status import (
    INVALID_TRANSITION,
    ChangeStatusResult,
    Clock,
    count_changes,
    plan_changes,
    utc_now,
    write_changes,
)
from orderflow.services.idempotency import Idempotent, remember, replay_if_seen
from orderflow.services.order_locks import locked_orders
from orderflow.services.records import (
    Actor,
    LaterChange,
    OrderRef,
    RecordedChange,
)
from orderflow.services.retry import retrying
from orderflow.services.unit_of_work import UnitOfWorkFactory

# A revert is one transaction, like the change it reverts: as many changes as one change-status.
MAX_REVERTED = 10_000
CHANGED_SINCE = "changed_since"
ALREADY_REVERTED = "already_reverted"
DETAILS_NOT_RECORDED = "details_not_recorded"
# The code of an all-or-nothing refusal: the first of these any order gave.
_REFUSAL_ORDER = (ALREADY_REVERTED, CHANGED_SINCE, DETAILS_NOT_RECORDED, INVALID_TRANSITION)


class RequestNotFound(NotFound):
    code = "request_not_found"


class RequestNotRevertible(InvalidInput):
    code = "request_not_revertible"


@dataclass(frozen=True, slots=True)
class RevertChanges:
    """Put back what request `request_id` changed; `by` says who, as a change's `by` does."""

    request_id: str
    by: str | None = None
    skip_refused: bool = False
    dry_run: bool = False


@dataclass(frozen=True, slots=True)
class OrderWayBack:
    """What one order goes back to: the state before the request's first change of it, and
    the first row (the request's) after which nothing else may have changed it."""

    order_id: int
    order_uuid: UUID
    first_row: int
    target: Target | None  # None: its details before the change were not recorded


async def revert_request(
    uow_factory: UnitOfWorkFactory,
    actor: Actor,
    command: RevertChanges,
    clock: Clock = utc_now,
    idempotency: Idempotent[ChangeStatusResult] | None = None,
) -> ChangeStatusResult:
    """Revert the request in one transaction; a conflict the database aborted is run again."""
    if actor.request_id is not None and command.request_id == actor.request_id:
        raise InvalidInput(
            "Invalid request: request_id",
            {"request_id": ["a revert needs a request id of its own (X-Request-ID)"]},
        )
    if command.dry_run:
        idempotency = None
    return await retrying(lambda: _apply(uow_factory, actor, command, clock, idempotency))


async def _apply(
    uow_factory: UnitOfWorkFactory,
    actor: Actor,
    command: RevertChanges,
    clock: Clock,
    idempotency: Idempotent[ChangeStatusResult] | None,
) -> ChangeStatusResult:
    key = idempotency.key.key if idempotency else None
    async with uow_factory(
        actor.business_id, write=not command.dry_run, idempotency_key=key
    ) as uow:
        if idempotency:
            await replay_if_seen(uow, idempotency.key, clock())
        recorded = await uow.history.request_changes(command.request_id, limit=MAX_REVERTED + 1)
        ways_back = ways_back_of(command.request_id, recorded, command.by)
        ids = sorted(ways_back)
        numbered, snapshots = await locked_orders(uow, ids, lock=not command.dry_run)
        first_row = min(w.first_row for w in ways_back.values())
        later = await uow.history.changes_after(ids, first_row, command.request_id)
        refused = refusals(command.request_id, ways_back, later)
        wanted: dict[OrderRef, Target] = {
            id_: way.target
            for id_, way in ways_back.items()
            if id_ not in refused and way.target is not None
        }
        result, applied = plan_changes(
            [(id_, ref) for id_, ref in numbered if ref in wanted], wanted, snapshots, clock()
        )
        result.rejected = sorted([*refused.values(), *result.rejected], key=_order_of)
        if result.rejected and not command.skip_refused:
            refusal = _refusal(command.request_id, result.rejected, len(ways_back))
            if idempotency:
                await remember(uow, idempotency, refusal, clock())
                await uow.commit()
            raise refusal
        count_changes(result, applied)
        if applied and not command.dry_run:
            await write_changes(uow, applied, actor, clock(), reverts=command.request_id)
        if idempotency:
            await remember(uow, idempotency, result, clock())
        if (applied and not command.dry_run) or idempotency:
            await uow.commit()
    return result


def ways_back_of(
    request_id: str, recorded: Sequence[RecordedChange], by: str | None
) -> dict[int, OrderWayBack]:
    """Each order the request changed, and what it goes back to. Rows that made or deleted an
    order are not reverted; a request with nothing else to revert is refused."""
    if not recorded:
        raise RequestNotFound(f"no change was made by request {request_id}")
    if len(recorded) > MAX_REVERTED:
        raise RequestNotRevertible(
            f"request {request_id} made more than {MAX_REVERTED:,} changes; a revert puts back "
            f"at most {MAX_REVERTED:,} (one change-status's worth)",
            {"request_id": [f"more than {MAX_REVERTED:,} changes"]},
        )
    by_order: dict[int, list[RecordedChange]] = {}
    for row in recorded:
        if row.kind is not ChangeKind.DELETED and row.from_status is not None:
            by_order.setdefault(row.order_id, []).append(row)
    if not by_order:
        raise RequestNotRevertible(
            f"request {request_id} made or deleted orders and changed none; only status and "
            "detail changes are reverted",
            {"request_id": ["changed no order's status or details"]},
        )
    return {id_: _way_back(rows, by) for id_, rows in by_order.items()}


def _way_back(rows: list[RecordedChange], by: str | None) -> OrderWayBack:
    first = rows[0]
    previous: dict[str, Any] = {}
    for row in rows:  # oldest first: the value before the first change of each detail wins
        if row.previous is None:
            if row.given:
                return OrderWayBack(first.order_id, first.order_uuid, first.history_id, None)
            continue
        # What the row wrote: the details it gave, and those it emptied (a revert's), whose
        # values before it are recorded; a detail written whose value is absent held none.
        for name in DETAIL_FIELDS:
            if name in row.given or name in row.previous:
                previous.setdefault(name, row.previous.get(name))
    given = {name: value for name, value in previous.items() if value is not None}
    method = given.get("payment_method")
    details = {name: given[name] for name in PAYMENT_FIELDS if name in given}
    if method is not None:
        details["payment_method"] = PaymentMethod(method)
    assert first.from_status is not None and first.from_payment_status is not None
    target = Target(
        status=first.from_status,
        payment_status=first.from_payment_status,
        details=PaymentDetails(**details),
        by=by,
        shipment_receipt=given.get("shipment_receipt"),
        cleared=frozenset(name for name, value in previous.items() if value is None),
    )
    return OrderWayBack(first.order_id, first.order_uuid, first.history_id, target)


def refusals(
    request_id: str,
    ways_back: dict[int, OrderWayBack],
    later: Sequence[LaterChange],
) -> dict[int, Rejection]:
    """The orders refused before the lifecycle is asked: reverted already, changed since, their
    details before unknown. `later`: every history row of the orders after the request's
    first, read while they are locked."""
    refused: dict[int, Rejection] = {}

    def refuse(id_: int, code: str, message: str) -> None:
        # named by both its ids, as they were when the request changed it (even if deleted since)
        refused.setdefault(id_, Rejection(id_, code, message, id_, ways_back[id_].order_uuid))

    for row in later:
        way = ways_back.get(row.order_id)
        if way is None or row.history_id <= way.first_row or row.request_id == request_id:
            continue
        if row.reverts == request_id:
            refuse(
                row.order_id,
                ALREADY_REVERTED,
                f"request {request_id} was already reverted for this order "
                f"(by request {row.request_id})",
            )
        else:
            who = f"request {row.request_id}" if row.request_id else "another change"
            refuse(row.order_id, CHANGED_SINCE, f"the order was changed since, by {who}")
    for id_, way in ways_back.items():
        if way.target is None:
            refuse(
                id_,
                DETAILS_NOT_RECORDED,
                "the change set payment details or a tracking number whose values before it "
                "were not recorded (changes made before this version of orderflow)",
            )
    return refused


def _order_of(rejection: Rejection) -> int:
    assert isinstance(rejection.id, int)  # a revert names its orders by numeric id
    return rejection.id


def _refusal(request_id: str, rejected: list[Rejection], total: int) -> BatchRefused:
    codes = {r.error_code for r in rejected}
    code = next((c for c in _REFUSAL_ORDER if c in codes), rejected[0].error_code)
    return BatchRefused(
        code,
        f"{len(rejected)} of {total} orders changed by request {request_id} cannot be put back; "
        "nothing was changed",
        rejected,
    )
