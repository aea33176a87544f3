"""Results of the services rendered as the JSON bodies the API documents."""

from __future__ import annotations

from typing import Any

from orderflow.domain.lifecycle import PAYMENT_FIELDS, PAYMENT_TIME_FIELDS, STATUS_TIME_FIELDS
from orderflow.services.change_status import ChangeStatusResult
from orderflow.services.status_upload import RowRejection, UploadResult
from orderflow.services.unit_of_work import HistoryEntry, OrderRecord

_COPIED = (
    "id",
    "order_id",
    "status",
    "payment_status",
    *PAYMENT_FIELDS,
    *STATUS_TIME_FIELDS,
    *PAYMENT_TIME_FIELDS,
    "created_at",
)


def change_status_body(result: ChangeStatusResult, *, include_rejected: bool) -> dict[str, Any]:
    """`{"data": [...], "is_paginated": false}` (+ `rejected` in skip and dry-run modes)."""
    body: dict[str, Any] = {
        "data": [
            {
                "id": s.id,
                "order_id": s.order_id,
                "payment_status": s.payment_status.value,
                "status": s.status.value,
            }
            for s in result.data
        ],
        "is_paginated": False,
    }
    if include_rejected:
        body["rejected"] = [
            {"id": r.id, "error_code": r.error_code, "error": r.error} for r in result.rejected
        ]
    return body


def _timeline(history: list[HistoryEntry], *, payment: bool) -> list[dict[str, Any]]:
    timeline = []
    for h in history:
        before, after = (
            (h.from_payment_status, h.to_payment_status)
            if payment
            else (h.from_status, h.to_status)
        )
        if before != after:
            timeline.append({"status": after, "by": h.by, "time": h.created_at})
    return timeline


def order_summary(c: dict[str, Any]) -> dict[str, Any]:
    """An order's columns as the API shows them (without items and timelines)."""
    body = {name: c[name] for name in _COPIED}
    body.update(
        customer={
            "name": c["customer_name"],
            "phone": c["customer_phone"],
            "email": c["customer_email"],
        },
        subtotal=str(c["subtotal"]),
        shipping_cost=str(c["shipping_cost"]),
        total=str(c["total"]),
        last_updated_at=c["updated_at"],
    )
    return body


def order_body(record: OrderRecord) -> dict[str, Any]:
    """An order as `GET /v3/orders/{id}` shows it."""
    body = order_summary(record.columns)
    body.update(
        items=[
            {"name": i["name"], "quantity": i["quantity"], "price": str(i["price"])}
            for i in record.items
        ],
        status_history=_timeline(record.history, payment=False),
        payment_status_history=_timeline(record.history, payment=True),
    )
    return body


def history_body(entries: list[HistoryEntry]) -> dict[str, Any]:
    """`GET /v3/orders/{id}/status-history`: every applied change, oldest first."""
    return {
        "data": [
            {
                "from_status": h.from_status,
                "to_status": h.to_status,
                "from_payment_status": h.from_payment_status,
                "to_payment_status": h.to_payment_status,
                "by": h.by,
                "api_key_prefix": h.api_key_prefix,
                "request_id": h.request_id,
                "time": h.created_at,
                **{f: h.payment.get(f) for f in PAYMENT_FIELDS},
            }
            for h in entries
        ],
        "is_paginated": False,
    }


def rejected_rows(rejected: list[RowRejection]) -> list[dict[str, Any]]:
    """Rows of an upload left unchanged, as the API shows them."""
    return [
        {
            "row": r.row,
            "column": r.column,
            "id": r.id,
            "order_id": r.order_id,
            "error_code": r.error_code,
            "error": r.error,
        }
        for r in rejected
    ]


def upload_body(result: UploadResult, *, include_rejected: bool) -> dict[str, Any]:
    """`{"data": [...], "is_paginated": false}` (+ `rejected` in skip and dry-run modes)."""
    body: dict[str, Any] = {
        "data": [
            {
                "row": r.row,
                "id": r.state.id,
                "order_id": r.state.order_id,
                "payment_status": r.state.payment_status.value,
                "status": r.state.status.value,
            }
            for r in result.data
        ],
        "is_paginated": False,
    }
    if include_rejected:
        body["rejected"] = rejected_rows(result.rejected)
    return body
