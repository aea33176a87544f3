"""Put back what one request changed, and see what one request did."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request
from starlette.responses import Response

from orderflow.api.bodies import read_body
from orderflow.api.change_status_schemas import ChangeStatusResponse, LegacyChangeStatusResponse
from orderflow.api.contract import contract_of
from orderflow.api.deps import (
    ChangeStatusActor,
    CursorCodecDep,
    IdempotencyKeyHeader,
    ReadOrderActor,
    UowFactoryDep,
    idempotency_key_of,
)
from orderflow.api.idempotency import idempotent
from orderflow.api.openapi import CHANGING, READING, Versioned, error_responses, versioned
from orderflow.api.responses import OrjsonResponse
from orderflow.api.revert_schemas import (
    REQUEST_ID_PATTERN,
    LegacyRequestChangesResponse,
    RequestChangesResponse,
    RevertRequest,
)
from orderflow.api.routes.order_queries import CURSOR_PATTERN
from orderflow.api.schemas import OnError
from orderflow.api.telemetry import observed_revert
from orderflow.api.views import change_status_body, request_changes_body
from orderflow.contracts.versions import Contract
from orderflow.services import revert
from orderflow.services.change_status import ChangeStatusResult
from orderflow.services.request_log import MAX_CHANGES_PAGE, request_changes

router = APIRouter(prefix="/v3/orders", tags=["orders"])

OLDER, NEWER = Contract.V2025_01_01, Contract.V2026_07_21

versioned(
    "post",
    "/v3/orders/revert",
    Versioned(
        body={OLDER: RevertRequest, NEWER: RevertRequest},
        answer={OLDER: LegacyChangeStatusResponse, NEWER: ChangeStatusResponse},
    ),
)


@router.post(
    "/revert",
    operation_id="revertRequest",
    summary="Put back what one request changed",
    responses={
        200: {"description": "The orders put back (or that would be, in a dry run)"},
        **error_responses(*CHANGING, 404),
    },
)
async def revert_changes(
    request: Request,
    actor: ChangeStatusActor,
    uow_factory: UowFactoryDep,
    key: IdempotencyKeyHeader = None,
    on_error: Annotated[
        OnError, Query(description="fail: all-or-nothing (default); skip: put back the others")
    ] = OnError.FAIL,
    dry_run: Annotated[bool, Query(description="Validate and report, change nothing")] = False,
) -> Response:
    """Every order the request (a change-status, CSV upload or revert) changed goes back to the
    status, payment status and details it had before: a new change in its history, marked as
    the revert of that request, with the events any change sends. An order is refused when it
    was changed since (`changed_since`), when the lifecycle does not allow the way back
    (`invalid_transition`) or when the request was already reverted for it
    (`already_reverted`). All-or-nothing unless `on_error=skip`; at most 10,000 changes."""
    contract = contract_of(request)
    body = await read_body(request, RevertRequest)
    idempotency_key = await idempotency_key_of(request, key)
    command = revert.RevertChanges(
        body.request_id, by=body.by, skip_refused=on_error is OnError.SKIP, dry_run=dry_run
    )
    include_rejected = on_error is OnError.SKIP or dry_run

    def render(result: ChangeStatusResult) -> dict[str, Any]:
        return change_status_body(contract, result, include_rejected=include_rejected)

    idempotency = idempotent(idempotency_key, 200, render, contract)
    result = await observed_revert(uow_factory, actor, command, idempotency=idempotency)
    return OrjsonResponse(render(result))


versioned(
    "get",
    "/v3/orders/changes/{request_id}",
    Versioned(answer={OLDER: LegacyRequestChangesResponse, NEWER: RequestChangesResponse}),
)


@router.get(
    "/changes/{request_id}",
    operation_id="getRequestChanges",
    summary="What one request changed",
    responses={
        200: {"description": "The request counted, and a page of its changes"},
        **error_responses(*READING, 404),
    },
)
async def changes_of_request(
    request: Request,
    actor: ReadOrderActor,
    uow_factory: UowFactoryDep,
    codec: CursorCodecDep,
    request_id: Annotated[
        str,
        Path(max_length=128, pattern=REQUEST_ID_PATTERN, description="X-Request-ID of the request"),
    ],
    page_size: Annotated[
        int, Query(ge=1, le=MAX_CHANGES_PAGE, description="Changes per page, 1 to 1,000")
    ] = 100,
    next_cursor: Annotated[
        str | None,
        Query(
            max_length=512,
            pattern=CURSOR_PATTERN,
            description="`next_cursor` of the previous answer",
        ),
    ] = None,
) -> Response:
    """Who made the request's changes, when, how many orders, and each order's change from →
    to (oldest first, in pages), with the revert that put it back if one did; 404
    `request_not_found` when the request changed nothing of this business."""
    page = await request_changes(
        uow_factory, actor, request_id, codec, size=page_size, next_cursor=next_cursor
    )
    return OrjsonResponse(request_changes_body(contract_of(request), page, page_size))
