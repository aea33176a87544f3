"""Request and response schemas of the public API (the Scalev change-status contract and more)."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Annotated, Literal
from urllib.parse import urlsplit

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StrictInt, StringConstraints
from pydantic.json_schema import SkipJsonSchema

from orderflow.domain.lifecycle import OrderStatus, PaymentMethod, PaymentStatus

MAX_IDS = 10_000
MAX_ID = 2**63 - 1

OrderPk = Annotated[StrictInt, Field(ge=1, le=MAX_ID)]
ShortText = Annotated[str, StringConstraints(max_length=255)]


def _http_url(value: str) -> str:
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValueError("must be an http(s) URL")
    return value


def _utc(value: datetime) -> datetime:
    # A date-time without an offset is taken as UTC (documented in the README).
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


HttpUrlText = Annotated[str, StringConstraints(max_length=2048), AfterValidator(_http_url)]
UtcDateTime = Annotated[datetime, AfterValidator(_utc)]


class OnError(StrEnum):
    FAIL = "fail"
    SKIP = "skip"


class ChangeStatusRequest(BaseModel):
    """Status or payment status change data"""

    ids: list[OrderPk] = Field(
        min_length=1, max_length=MAX_IDS, description="Order primary key IDs"
    )
    status: OrderStatus = Field(description="Order status")
    by: ShortText | None = Field(
        default=None, description="Entity or user performing the status change"
    )
    financial_entity_id: Annotated[int, Field(ge=1, le=MAX_ID)] | None = Field(
        default=None, description="Financial entity ID"
    )
    payment_account_holder: ShortText | None = Field(
        default=None, description="Payment account holder name"
    )
    payment_account_number: ShortText | None = Field(
        default=None, description="Payment account number"
    )
    payment_method: PaymentMethod | SkipJsonSchema[None] = Field(
        default=None, description="Order payment method"
    )
    payment_status: PaymentStatus | SkipJsonSchema[None] = Field(
        default=None, description="Order payment status"
    )
    rtsproof_url: HttpUrlText | None = Field(
        default=None, description="Return to sender proof image URL"
    )
    transfer_time: UtcDateTime | None = Field(
        default=None, description="Transfer timestamp (ISO 8601 format)"
    )
    transferproof_url: HttpUrlText | None = Field(
        default=None, description="Transfer proof image URL"
    )


class OrderChangeStatus(BaseModel):
    id: int
    order_id: str
    payment_status: PaymentStatus = Field(description="Order payment status")
    status: OrderStatus = Field(description="Order status")


class RejectedOrder(BaseModel):
    id: int
    error_code: str = Field(description="order_not_found or invalid_transition")
    error: str


class ChangeStatusResponse(BaseModel):
    """Non-paginated list payload for v3."""

    data: list[OrderChangeStatus]
    is_paginated: Literal[False] = False
    rejected: list[RejectedOrder] | SkipJsonSchema[None] = Field(
        default=None,
        description="Orders left unchanged and why; present with on_error=skip or dry_run=true",
    )


class ErrorResponse(BaseModel):
    error: str
    error_code: str
    errors: dict[str, list[str]] | SkipJsonSchema[None] = Field(
        default=None, description="Field name → messages, for validation errors"
    )
    rejected: list[RejectedOrder] | SkipJsonSchema[None] = Field(
        default=None, description="The orders that stopped an all-or-nothing batch"
    )


Money = Annotated[
    Decimal,
    Field(ge=0, le=Decimal("9999999999999.99"), decimal_places=2, allow_inf_nan=False),
]


class CustomerIn(BaseModel):
    model_config = ConfigDict(str_strip_whitespace=True)

    name: Annotated[str, StringConstraints(min_length=1, max_length=255)]
    phone: Annotated[str, StringConstraints(max_length=32)] | None = None
    email: (
        Annotated[str, StringConstraints(max_length=255, pattern=r"^[^@\s]+@[^@\s]+$")] | None
    ) = None


class OrderItemIn(BaseModel):
    name: Annotated[str, StringConstraints(min_length=1, max_length=255)]
    quantity: Annotated[StrictInt, Field(ge=1, le=100_000)]
    price: Money = Field(description='Unit price as a decimal string, e.g. "75000.00"')


class OrderCreateRequest(BaseModel):
    customer: CustomerIn
    items: list[OrderItemIn] = Field(min_length=1, max_length=200)
    shipping_cost: Money = Decimal("0.00")
    payment_method: PaymentMethod | SkipJsonSchema[None] = Field(
        default=None, description="Order payment method; without one the order starts as draft"
    )


class CustomerRead(BaseModel):
    name: str
    phone: str | None
    email: str | None


class OrderItemRead(BaseModel):
    name: str
    quantity: int
    price: str


class StatusHistoryItem(BaseModel):
    status: str
    by: str | None
    time: datetime


class OrderListItem(BaseModel):
    """An order as the list shows it: every status, timestamp and payment field (no items)."""

    id: int = Field(description="Order primary key ID")
    order_id: str = Field(description="Business-facing order number")
    status: OrderStatus
    payment_status: PaymentStatus
    payment_method: PaymentMethod | None
    customer: CustomerRead
    subtotal: str
    shipping_cost: str
    total: str
    financial_entity_id: int | None
    payment_account_holder: str | None
    payment_account_number: str | None
    transfer_time: datetime | None
    transferproof_url: str | None
    rtsproof_url: str | None
    draft_time: datetime | None
    pending_time: datetime | None
    confirmed_time: datetime | None
    in_process_time: datetime | None
    ready_time: datetime | None
    shipped_time: datetime | None
    completed_time: datetime | None
    canceled_time: datetime | None
    rts_time: datetime | None
    closed_time: datetime | None
    unpaid_time: datetime | None
    paid_time: datetime | None
    conflict_time: datetime | None
    settled_time: datetime | None
    created_at: datetime
    last_updated_at: datetime


class OrderRead(OrderListItem):
    """An order with every status field, timestamp and payment field, its items and timelines."""

    items: list[OrderItemRead]
    status_history: list[StatusHistoryItem]
    payment_status_history: list[StatusHistoryItem]


class OrderResponse(BaseModel):
    data: OrderRead


class BusinessRead(BaseModel):
    id: int
    name: str


class MeRead(BaseModel):
    business: BusinessRead
    api_key_prefix: str
    scopes: list[str]


class MeResponse(BaseModel):
    data: MeRead
