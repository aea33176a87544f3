"""Response schemas of finding orders: the list, the status history and the CSV upload."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field
from pydantic.json_schema import SkipJsonSchema

from orderflow.api.change_status_schemas import LegacyOrderChangeStatus, OrderChangeStatus
from orderflow.api.read_schemas import LegacyOrderListItem, OrderListItem
from orderflow.domain.lifecycle import ChangeKind, OrderStatus, PaymentMethod, PaymentStatus


class OrderListResponse(BaseModel):
    """Paginated list payload for v3: pass a cursor back as the query parameter of its name."""

    data: list[OrderListItem] = Field(description="Newest first")
    is_paginated: Literal[True] = True
    has_next: bool = Field(description="Whether older orders follow (`next_cursor` is set)")
    has_previous: bool = Field(description="Whether newer orders come before this page")
    next_cursor: str | None = Field(
        description="Older orders: pass as ?next_cursor=…; null on the last page"
    )
    previous_cursor: str | None = Field(
        description="Newer orders: pass as ?previous_cursor=…; null on the first page"
    )
    page_size: int = Field(description="The page size asked for (at most 25)")


class LegacyOrderListResponse(OrderListResponse):
    data: list[LegacyOrderListItem] = Field(description="Newest first")  # type: ignore[assignment]


class StatusHistoryEntry(BaseModel):
    """One applied change of an order (the first entry is its creation, from null)."""

    kind: ChangeKind = Field(
        description="`status`: the status and/or payment status moved (or the order was "
        "made); `details`: only details changed (tracking number, payment fields); "
        "`deleted`: the order was deleted"
    )
    from_status: OrderStatus | None
    to_status: OrderStatus
    from_payment_status: PaymentStatus | None
    to_payment_status: PaymentStatus
    by: str | None = Field(description="Who the caller said made the change")
    api_key_prefix: str | None = Field(description="Public prefix of the API key that made it")
    request_id: str | None = Field(description="X-Request-ID of the request that made it")
    time: datetime
    payment_method: PaymentMethod | None
    financial_entity_id: int | None
    payment_account_holder: str | None
    payment_account_number: str | None
    transfer_time: datetime | None
    transferproof_url: str | None
    rtsproof_url: str | None
    shipment_receipt: str | None = Field(description="The tracking number the change set")
    reverts: str | None = Field(
        description="On a revert's entry: the request id whose change it put back"
    )
    reverted_by: str | None = Field(
        description="The request id of the revert that put this change back, if one did"
    )


class StatusHistoryResponse(BaseModel):
    data: list[StatusHistoryEntry] = Field(description="Oldest first")
    is_paginated: Literal[False] = False


class RejectedRow(BaseModel):
    """A CSV row that was (or would be) left unchanged, and why."""

    row: int = Field(description="Row number as a spreadsheet shows it (the header is row 1)")
    column: str | None = Field(description="The column at fault, when one is")
    id: int | str | None = Field(
        description="The order's id in the contract's form when it exists, else as the row gave "
        "it; null when the row names none"
    )
    order_id: str | None = Field(description="Business-facing order number, when known")
    error_code: str = Field(
        description="validation_error, duplicate_order, order_not_found or invalid_transition"
    )
    error: str


_ROW = "Row number as a spreadsheet shows it (the header is row 1)"
_REJECTED_ROWS = "Rows left unchanged and why; present with on_error=skip or dry_run=true"


class UploadedRow(OrderChangeStatus):
    row: int = Field(description=_ROW)


class LegacyUploadedRow(LegacyOrderChangeStatus):
    row: int = Field(description=_ROW)


class UploadChangeStatusResponse(BaseModel):
    """What the upload changed (or would change, in a dry run)."""

    data: list[UploadedRow] = Field(description="One item per applied or unchanged row")
    is_paginated: Literal[False] = False
    rejected: list[RejectedRow] | SkipJsonSchema[None] = Field(
        default=None, description=_REJECTED_ROWS
    )


class LegacyUploadChangeStatusResponse(BaseModel):
    """What the upload changed (or would change, in a dry run)."""

    data: list[LegacyUploadedRow] = Field(description="One item per applied or unchanged row")
    is_paginated: Literal[False] = False
    rejected: list[RejectedRow] | SkipJsonSchema[None] = Field(
        default=None, description=_REJECTED_ROWS
    )


class UploadErrorResponse(BaseModel):
    error: str
    error_code: str
    rejected: list[RejectedRow] | SkipJsonSchema[None] = Field(
        default=None, description="The rows that stopped an all-or-nothing upload"
    )
