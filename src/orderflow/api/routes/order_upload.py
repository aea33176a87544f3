"""Change statuses from a CSV file (multipart upload), row by row, in one transaction."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Query, Request, UploadFile
from starlette.responses import Response

from orderflow.api.contract import contract_of
from orderflow.api.csv_upload import MAX_FILE_BYTES, read_upload
from orderflow.api.deps import ChangeStatusActor, IdempotencyKeyDep, UowFactoryDep
from orderflow.api.idempotency import idempotent
from orderflow.api.openapi import Versioned, error_responses, versioned
from orderflow.api.order_query_schemas import (
    LegacyUploadChangeStatusResponse,
    UploadChangeStatusResponse,
    UploadErrorResponse,
)
from orderflow.api.responses import OrjsonResponse
from orderflow.api.schemas import OnError
from orderflow.api.telemetry import observed_upload
from orderflow.api.time_zones import DEFAULT_TZ, TIME_ZONES, zone_named
from orderflow.api.views import upload_body
from orderflow.contracts.versions import Contract
from orderflow.services.idempotency import IdempotencyKey, fingerprint
from orderflow.services.status_upload import UploadChangeStatus, UploadResult

router = APIRouter(prefix="/v3/orders", tags=["orders"])


versioned(
    "post",
    "/v3/orders/upload-change-status",
    Versioned(
        answer={
            Contract.V2025_01_01: LegacyUploadChangeStatusResponse,
            Contract.V2026_07_21: UploadChangeStatusResponse,
        }
    ),
)


@router.post(
    "/upload-change-status",
    operation_id="uploadOrderStatusChanges",
    response_model=UploadChangeStatusResponse,
    summary="Change order statuses from a CSV file",
    responses={
        400: {
            "model": UploadErrorResponse,
            "description": "invalid_csv (the file), validation_error, duplicate_order, "
            "order_not_found, invalid_transition or invalid_status_time (rows, listed in "
            "rejected)",
        },
        **error_responses(401, 403, 409, 413, 422, 429, 503),
    },
)
async def upload_change_status_csv(
    request: Request,
    actor: ChangeStatusActor,
    uow_factory: UowFactoryDep,
    idempotency_key: IdempotencyKeyDep,
    file: Annotated[
        UploadFile,
        File(
            description="CSV, up to 5 MiB and 10,000 rows: a header, then one row per order "
            "(order_id or id, status, optional shipment_receipt, day, month, year, "
            "payment_status, payment_method, transfer_time, transferproof_url, rtsproof_url, "
            "by, ...); `,` or `;` separated; UTF-8"
        ),
    ],
    tz: Annotated[
        str,
        Form(
            description="IANA time zone of date cells without an offset, and of the "
            "day/month/year columns",
            json_schema_extra={"enum": TIME_ZONES},
        ),
    ] = DEFAULT_TZ,
    on_error: Annotated[
        OnError, Query(description="fail: all-or-nothing (default); skip: apply the valid rows")
    ] = OnError.FAIL,
    dry_run: Annotated[bool, Query(description="Validate and report, change nothing")] = False,
) -> Response:
    """Apply each row's status change (rows may ask for different statuses) in one transaction."""
    zone = zone_named(tz)
    contract = contract_of(request)
    data = await file.read(MAX_FILE_BYTES + 1)
    rows, invalid = read_upload(data, file.filename, zone, contract)
    command = UploadChangeStatus(
        rows, invalid, skip_refused=on_error is OnError.SKIP, dry_run=dry_run
    )
    include_rejected = on_error is OnError.SKIP or dry_run

    def render(result: UploadResult) -> dict[str, Any]:
        return upload_body(contract, result, include_rejected=include_rejected)

    if idempotency_key is not None:
        # A client picks a new multipart boundary on every retry: what makes this request this
        # request is the file and the form, not the body's bytes.
        content = fingerprint("file", file.filename or "", tz, data)
        url = request.url
        idempotency_key = IdempotencyKey(
            idempotency_key.key, fingerprint(request.method, url.path, url.query, content.encode())
        )
    idempotency = idempotent(idempotency_key, 200, render, contract)
    result = await observed_upload(uow_factory, actor, command, idempotency=idempotency)
    return OrjsonResponse(render(result))
