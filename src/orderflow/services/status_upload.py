"""Change statuses from a spreadsheet: rows that each name an order and its own target.

The rows go through `change_status` (`ChangeOrderStatuses`): the same lifecycle, one transaction,
all-or-nothing unless asked to skip. What this adds is the spreadsheet's point of view: orders
named by their business-facing number, duplicates caught, and every problem reported by row.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from uuid import UUID

from orderflow.domain.errors import BatchRefused, OrderflowError, Rejection
from orderflow.domain.lifecycle import Target
from orderflow.services.change_status import (
    INVALID_STATUS_TIME,
    INVALID_TRANSITION,
    ORDER_NOT_FOUND,
    ChangeOrderStatuses,
    ChangeStatusResult,
    Clock,
    OrderState,
    change_status,
    utc_now,
)
from orderflow.services.idempotency import Idempotent
from orderflow.services.records import Actor, OrderRef, StoredResponse
from orderflow.services.unit_of_work import UnitOfWorkFactory

VALIDATION_ERROR = "validation_error"
DUPLICATE_ORDER = "duplicate_order"


@dataclass(frozen=True, slots=True)
class UploadRow:
    """One valid row: the order (by `id`, by `order_number`, or both) and its target."""

    row: int  # as a spreadsheet numbers it: the header is row 1
    id: OrderRef | None
    order_number: str | None
    target: Target


@dataclass(frozen=True, slots=True)
class RowRejection:
    """A row left unchanged, the column at fault (when one is) and why."""

    row: int
    column: str | None
    id: OrderRef | None  # as the row gave it
    order_id: str | None
    error_code: str
    error: str
    legacy_id: int | None = None  # the order's own ids, when the change path found it
    uuid: UUID | None = None


class RowsRefused(OrderflowError):
    """An all-or-nothing upload in which at least one row is invalid or refused."""

    def __init__(self, rejected: list[RowRejection], total: int) -> None:
        codes = {r.error_code for r in rejected}
        order = (VALIDATION_ERROR, DUPLICATE_ORDER, ORDER_NOT_FOUND, INVALID_TRANSITION)
        self.code = next((c for c in order if c in codes), INVALID_STATUS_TIME)
        rows = len({r.row for r in rejected})
        super().__init__(f"{rows} of {total} rows cannot be applied; nothing was changed")
        self.rejected = sorted(rejected, key=lambda r: r.row)


@dataclass(frozen=True, slots=True)
class UploadedRow:
    row: int
    state: OrderState


@dataclass(slots=True)
class UploadResult:
    data: list[UploadedRow] = field(default_factory=list)
    rejected: list[RowRejection] = field(default_factory=list)
    changed: int = 0
    changed_by_status: dict[str, int] = field(default_factory=dict)  # new status → orders


@dataclass(frozen=True, slots=True)
class UploadChangeStatus:
    """Apply `rows`; `invalid` are the rows that already failed to parse, with their reasons."""

    rows: Sequence[UploadRow]
    invalid: Sequence[RowRejection] = ()
    skip_refused: bool = False
    dry_run: bool = False


async def upload_change_status(
    uow_factory: UnitOfWorkFactory,
    actor: Actor,
    command: UploadChangeStatus,
    clock: Clock = utc_now,
    idempotency: Idempotent[UploadResult] | None = None,
) -> UploadResult:
    """Apply every row's change in one transaction (or report, by row, why not).

    With `idempotency`, the upload's own answer is stored with the change (rows that fail
    before anything runs store nothing, like any request that fails validation)."""
    total = len(command.rows) + len({r.row for r in command.invalid})
    by_id, rejected = await _resolve(uow_factory, actor, command.rows)
    rejected = [*command.invalid, *rejected]
    planned = [(id_, row.target) for id_, row in by_id.items()]
    if not planned:
        if rejected and not command.skip_refused:
            raise RowsRefused(rejected, total)
        return UploadResult(rejected=sorted(rejected, key=lambda r: r.row))
    if rejected and not command.skip_refused:
        # Check the other rows too (changing nothing), so one answer lists every problem.
        dry = ChangeOrderStatuses(planned, skip_refused=True, dry_run=True)
        checked = await change_status(uow_factory, actor, dry, clock)
        raise RowsRefused([*rejected, *_by_row(checked.rejected, by_id)], total)
    run = ChangeOrderStatuses(planned, skip_refused=command.skip_refused, dry_run=command.dry_run)
    stored: Idempotent[ChangeStatusResult] | None = None
    if idempotency is not None:

        def render(outcome: ChangeStatusResult | OrderflowError) -> StoredResponse:
            if isinstance(outcome, BatchRefused):
                return idempotency.render(RowsRefused(_by_row(outcome.rejected, by_id), total))
            if isinstance(outcome, OrderflowError):
                return idempotency.render(outcome)
            return idempotency.render(_rows_result(outcome, by_id, rejected))

        stored = Idempotent(idempotency.key, render)
    try:
        result = await change_status(uow_factory, actor, run, clock, idempotency=stored)
    except BatchRefused as refused:
        raise RowsRefused(_by_row(refused.rejected, by_id), total) from None
    return _rows_result(result, by_id, rejected)


async def _resolve(
    uow_factory: UnitOfWorkFactory, actor: Actor, rows: Sequence[UploadRow]
) -> tuple[dict[int, UploadRow], list[RowRejection]]:
    """Rows keyed by numeric order id (first row wins), and the rows that name no order or a
    repeat. Order numbers and UUIDs are each looked up in one statement."""
    numbers = sorted({r.order_number for r in rows if r.order_number is not None})
    uuids = sorted({r.id for r in rows if isinstance(r.id, UUID)})
    by_number: dict[str, int] = {}
    by_uuid: dict[UUID, int] = {}
    if numbers or uuids:
        async with uow_factory(actor.business_id, write=False) as uow:
            if numbers:
                by_number = await uow.orders.ids_by_number(numbers)
            if uuids:
                by_uuid = await uow.orders.ids_by_uuid(uuids)
    by_id: dict[int, UploadRow] = {}
    rejected: list[RowRejection] = []

    def reject(row: UploadRow, column: str, code: str, error: str) -> None:
        rejected.append(RowRejection(row.row, column, row.id, row.order_number, code, error))

    for row in rows:
        column = "id"
        id_ = by_uuid.get(row.id) if isinstance(row.id, UUID) else row.id
        if row.id is not None and id_ is None and row.order_number is None:
            reject(row, column, ORDER_NOT_FOUND, f"order {row.id} not found")
            continue
        if row.order_number is not None:
            column, numbered = "order_id", by_number.get(row.order_number)
            if numbered is None:
                reject(row, column, ORDER_NOT_FOUND, f"order {row.order_number} not found")
                continue
            if row.id is not None and id_ != numbered:
                reject(
                    row, column, VALIDATION_ERROR, f"order {row.order_number} is not id {row.id}"
                )
                continue
            id_ = numbered
        assert id_ is not None  # a row names its order by id, by number or both
        if id_ in by_id:
            reject(row, column, DUPLICATE_ORDER, f"the same order is in row {by_id[id_].row}")
            continue
        by_id[id_] = row
    return by_id, rejected


def _column_of(rejection: Rejection) -> str:
    if rejection.error_code == ORDER_NOT_FOUND:
        return "id"
    if rejection.error_code == INVALID_STATUS_TIME:
        return "day"
    # The lifecycle names a refused payment-status move "payment status a → b".
    return "payment_status" if rejection.error.startswith("payment status") else "status"


def _by_row(rejections: Sequence[Rejection], by_id: dict[int, UploadRow]) -> list[RowRejection]:
    result = []
    for r in rejections:
        assert isinstance(r.id, int)  # the rows reach the change path by numeric id
        row = by_id[r.id]
        column = _column_of(r)
        if column == "id" and row.id is None:
            column = "order_id"
        result.append(
            RowRejection(
                row.row,
                column,
                row.id if row.id is not None else r.id,
                row.order_number,
                r.error_code,
                r.error,
                r.legacy_id,
                r.uuid,
            )
        )
    return result


def _rows_result(
    result: ChangeStatusResult, by_id: dict[int, UploadRow], rejected: list[RowRejection]
) -> UploadResult:
    return UploadResult(
        data=[UploadedRow(by_id[s.id].row, s) for s in result.data],
        rejected=sorted([*rejected, *_by_row(result.rejected, by_id)], key=lambda r: r.row),
        changed=result.changed,
        changed_by_status=result.changed_by_status,
    )
