"""Results of the services rendered as the JSON bodies the API documents, in each contract version.

The versions differ in how an order is named (its UUID today, its number in 2025-01-01), in the
change-status items and in payment method names; everything else is the same in both.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from orderflow.api.order_refs import shown_id, shown_ref
from orderflow.contracts.versions import Contract, shown_method
from orderflow.domain.errors import Rejection
from orderflow.domain.lifecycle import (
    PAYMENT_FIELDS,
    PAYMENT_TIME_FIELDS,
    STATUS_TIME_FIELDS,
    ChangeKind,
)
from orderflow.services.change_status import ChangeStatusResult, OrderState
from orderflow.services.order_deletion import DeleteResult
from orderflow.services.records import HistoryEntry, OrderRecord, OrderRow
from orderflow.services.request_log import RequestChanges
from orderflow.services.status_upload import RowRejection, UploadResult

OLDER = Contract.V2025_01_01
_COPIED = (
    "order_id",
    "status",
    "payment_status",
    *(f for f in PAYMENT_FIELDS if f != "payment_method"),
    *(f for f in STATUS_TIME_FIELDS if f not in ("draft_time", "pending_time")),
    *PAYMENT_TIME_FIELDS,
    "shipment_receipt",
    "created_at",
)


def change_item(contract: Contract, state: OrderState) -> dict[str, Any]:
    """One order of a change-status answer (2025-01-01: exactly the older page's four keys)."""
    if contract is OLDER:
        return {
            "id": state.id,
            "order_id": state.order_id,
            "payment_status": state.payment_status.value,
            "status": state.status.value,
        }
    return {
        "id": str(state.uuid),
        "order_id": state.order_id,
        "public_order_url": None,
        "payment_url": None,
        "payment_status": state.payment_status.value,
        "status": state.status.value,
    }


def rejected_orders(contract: Contract, rejected: Sequence[Rejection]) -> list[dict[str, Any]]:
    """Orders of a batch left unchanged, and why."""
    return [
        {
            "id": shown_ref(contract, r.id, r.legacy_id, r.uuid),
            "error_code": r.error_code,
            "error": r.error,
        }
        for r in rejected
    ]


def change_status_body(
    contract: Contract, result: ChangeStatusResult, *, include_rejected: bool
) -> dict[str, Any]:
    """`{"data": [...], "is_paginated": false}` (+ `rejected` in skip and dry-run modes)."""
    body: dict[str, Any] = {
        "data": [change_item(contract, s) for s in result.data],
        "is_paginated": False,
    }
    if include_rejected:
        body["rejected"] = rejected_orders(contract, result.rejected)
    return body


def delete_body(
    contract: Contract, result: DeleteResult, *, include_rejected: bool
) -> dict[str, Any]:
    """`{"data": [deleted ids], "is_paginated": false}` (+ `rejected` in skip and dry-run modes)."""
    body: dict[str, Any] = {
        "data": [shown_id(contract, o.id, o.uuid) for o in result.data],
        "is_paginated": False,
    }
    if include_rejected:
        body["rejected"] = rejected_orders(contract, result.rejected)
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


def _customer(c: OrderRow) -> dict[str, Any]:
    # Scalev's CustomerOrder has no null phone or email: an unknown one is left out.
    customer = {"name": c.customer_name}
    if c.customer_phone is not None:
        customer["phone"] = c.customer_phone
    if c.customer_email is not None:
        customer["email"] = c.customer_email
    return customer


def _order_fields(contract: Contract, c: OrderRow) -> dict[str, Any]:
    body: dict[str, Any] = {"id": shown_id(contract, c.id, c.uuid)}
    body.update((name, getattr(c, name)) for name in _COPIED)
    method = shown_method(contract, c.payment_method)
    if method is not None:  # Scalev's payment_method is never null: without one, left out
        body["payment_method"] = method
    body.update(
        customer=_customer(c),
        public_order_url=None,
        payment_url=None,
        last_updated_at=c.updated_at,
        subtotal=str(c.subtotal),
        total=str(c.total),
        gross_revenue=str(c.total),
    )
    return body


def order_summary(contract: Contract, c: OrderRow) -> dict[str, Any]:
    """An order as the list shows it (Scalev's OrderList: its money as numbers)."""
    body = _order_fields(contract, c)
    body.update(shipping_cost=float(c.shipping_cost), product_price=float(c.subtotal))
    # Never null in Scalev's list: an unknown one is left out.
    if c.draft_time is not None:
        body["draft_time"] = c.draft_time
    if c.pending_time is not None:
        body["pending_time"] = c.pending_time
    return body


def order_body(contract: Contract, record: OrderRecord) -> dict[str, Any]:
    """An order as `GET /v3/orders/{id}` shows it (Scalev's Order: money as decimal strings)."""
    c = record.order
    body = _order_fields(contract, c)
    body.update(
        shipping_cost=str(c.shipping_cost),
        product_price=str(c.subtotal),
        draft_time=c.draft_time,
        pending_time=c.pending_time,
        items=[
            {"name": i.name, "quantity": i.quantity, "price": str(i.price)} for i in record.items
        ],
        status_history=_timeline(record.history, payment=False),
        payment_status_history=_timeline(record.history, payment=True),
    )
    return body


def history_body(contract: Contract, entries: list[HistoryEntry]) -> dict[str, Any]:
    """`GET /v3/orders/{id}/status-history`: every applied change, oldest first."""
    # A change is marked reverted when a later row of the order reverts its request.
    reverted_by: dict[str, str] = {}
    for h in entries:
        if h.reverts is not None and h.request_id is not None:
            reverted_by.setdefault(h.reverts, h.request_id)
    data = []
    for h in entries:
        item: dict[str, Any] = {
            "kind": h.kind.value,
            "from_status": h.from_status,
            "to_status": h.to_status,
            "from_payment_status": h.from_payment_status,
            "to_payment_status": h.to_payment_status,
            "by": h.by,
            "api_key_prefix": h.api_key_prefix,
            "request_id": h.request_id,
            "time": h.created_at,
            **{f: getattr(h, f) for f in PAYMENT_FIELDS},
            "shipment_receipt": h.shipment_receipt,
            "reverts": h.reverts,
            "reverted_by": reverted_by.get(h.request_id)
            if h.request_id and h.from_status is not None and h.kind is not ChangeKind.DELETED
            else None,
        }
        item["payment_method"] = shown_method(contract, item["payment_method"])
        data.append(item)
    return {"data": data, "is_paginated": False}


def rejected_rows(contract: Contract, rejected: list[RowRejection]) -> list[dict[str, Any]]:
    """Rows of an upload left unchanged, as the API shows them."""
    return [
        {
            "row": r.row,
            "column": r.column,
            "id": None if r.id is None else shown_ref(contract, r.id, r.legacy_id, r.uuid),
            "order_id": r.order_id,
            "error_code": r.error_code,
            "error": r.error,
        }
        for r in rejected
    ]


def upload_body(
    contract: Contract, result: UploadResult, *, include_rejected: bool
) -> dict[str, Any]:
    """`{"data": [...], "is_paginated": false}` (+ `rejected` in skip and dry-run modes)."""
    body: dict[str, Any] = {
        "data": [{"row": r.row, **change_item(contract, r.state)} for r in result.data],
        "is_paginated": False,
    }
    if include_rejected:
        body["rejected"] = rejected_rows(contract, result.rejected)
    return body


def request_changes_body(
    contract: Contract, page: RequestChanges, page_size: int
) -> dict[str, Any]:
    """`GET /v3/orders/changes/{request_id}`: the request counted, one page of its changes."""
    s = page.summary
    return {
        "request_id": s.request_id,
        "by": s.by,
        "api_key_prefix": s.api_key_prefix,
        "first_at": s.first_at,
        "last_at": s.last_at,
        "orders": s.orders,
        "changes": s.changes,
        "reverts": s.reverts,
        "reverted_by": s.reverted_by,
        "data": [
            {
                "id": shown_id(contract, c.order_id, c.order_uuid),
                "order_id": c.order_number,
                "kind": c.kind.value,
                "from_status": c.from_status,
                "to_status": c.to_status,
                "from_payment_status": c.from_payment_status,
                "to_payment_status": c.to_payment_status,
                "time": c.created_at,
                "reverted_by": page.reverted.get(c.order_id),
            }
            for c in page.changes
        ],
        "is_paginated": True,
        "has_next": page.next_cursor is not None,
        "next_cursor": page.next_cursor,
        "page_size": page_size,
    }
