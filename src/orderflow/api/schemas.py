"""Request and response schemas of the public API (the Scalev change-status contract and more)."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    PlainValidator,
    StrictInt,
    StringConstraints,
    WithJsonSchema,
)
from pydantic.json_schema import SkipJsonSchema

from orderflow.api.order_refs import MAX_ID as MAX_ID
from orderflow.contracts.versions import PAYMENT_METHODS, Contract
from orderflow.domain.lifecycle import OrderStatus, PaymentMethod, PaymentStatus

MAX_IDS = 10_000

ShortText = Annotated[str, StringConstraints(max_length=255)]


# An http(s) URL with a host (and a port up to 65535), no whitespace: the one rule, stated in
# the OpenAPI document as the same pattern the server checks.
_PORT = r"([0-9]{1,4}|[1-5][0-9]{4}|6[0-4][0-9]{3}|65[0-4][0-9]{2}|655[0-2][0-9]|6553[0-5])"
HTTP_URL_PATTERN = (
    r"^[Hh][Tt][Tt][Pp][Ss]?://[A-Za-z0-9._~%!$&'()*+,;=-]+(@[A-Za-z0-9._~%!$&'()*+,;=-]+)?"
    rf"(:{_PORT})?([/?#]\S*)?$"
)
_HTTP_URL = re.compile(HTTP_URL_PATTERN)


def _http_url(value: str) -> str:
    if not _HTTP_URL.fullmatch(value):
        raise ValueError("must be an http(s) URL")
    return value


def _utc(value: datetime) -> datetime:
    # A date-time without an offset is taken as UTC (documented in the README).
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


HttpUrlText = Annotated[
    str,
    StringConstraints(max_length=2048),
    AfterValidator(_http_url),
    WithJsonSchema({"type": "string", "maxLength": 2048, "pattern": HTTP_URL_PATTERN}),
]
UtcDateTime = Annotated[datetime, AfterValidator(_utc)]


class OnError(StrEnum):
    FAIL = "fail"
    SKIP = "skip"


class RejectedOrder(BaseModel):
    """An order left unchanged: its id in the contract's form when it exists, else as sent."""

    id: int | str
    error_code: str = Field(description="order_not_found or invalid_transition")
    error: str


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


def _only(contract: Contract) -> Any:
    allowed = {m.value: m for m in PAYMENT_METHODS[contract]}
    listed = ", ".join(f"'{name}'" for name in allowed)

    def check(value: object) -> PaymentMethod:
        found = allowed.get(value) if isinstance(value, str) else None
        if found is None:
            raise ValueError(f"Input should be {listed}")
        return found

    return PlainValidator(check)


def _enum(contract: Contract) -> WithJsonSchema:
    return WithJsonSchema(
        {
            "type": "string",
            "enum": [m.value for m in PAYMENT_METHODS[contract]],
            "description": "Order payment method",
        }
    )


# The payment methods a caller may send, in each version.
PaymentMethodIn = Annotated[PaymentMethod, _only(Contract.V2026_07_21), _enum(Contract.V2026_07_21)]
LegacyPaymentMethodIn = Annotated[
    PaymentMethod, _only(Contract.V2025_01_01), _enum(Contract.V2025_01_01)
]


class OrderCreateRequest(BaseModel):
    customer: CustomerIn
    items: list[OrderItemIn] = Field(min_length=1, max_length=200)
    shipping_cost: Money = Decimal("0.00")
    payment_method: PaymentMethodIn | SkipJsonSchema[None] = Field(
        default=None, description="Order payment method; without one the order starts as draft"
    )


class LegacyOrderCreateRequest(OrderCreateRequest):
    payment_method: LegacyPaymentMethodIn | SkipJsonSchema[None] = Field(
        default=None, description="Order payment method; without one the order starts as draft"
    )


class CustomerRead(BaseModel):
    """The order's customer; `phone` and `email` are left out when the order has none."""

    name: str
    phone: str | SkipJsonSchema[None] = None
    email: str | SkipJsonSchema[None] = None


class OrderItemRead(BaseModel):
    name: str
    quantity: int
    price: str


class StatusHistoryItem(BaseModel):
    status: str
    by: str | None
    time: datetime


class _OrderFields(BaseModel):
    """What the list and one order both show (money and ids differ, see the subclasses)."""

    id: str = Field(description="The order's UUIDv7")
    order_id: str = Field(description="Business-facing order number")
    status: OrderStatus
    payment_status: PaymentStatus
    payment_method: PaymentMethod | SkipJsonSchema[None] = Field(
        default=None, description="Order payment method; left out when the order has none"
    )
    customer: CustomerRead
    financial_entity_id: int | None
    payment_account_holder: str | None
    payment_account_number: str | None
    transfer_time: datetime | None
    transferproof_url: str | None
    rtsproof_url: str | None
    public_order_url: str | None = Field(description="Always null: orderflow has no public page")
    payment_url: str | None = Field(description="Always null: orderflow has no payment page")
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
    subtotal: str = Field(description="Items' total, a decimal string")
    total: str = Field(description="Subtotal plus shipping, a decimal string")
    gross_revenue: str = Field(description="The same as `total` (Scalev's name), a decimal string")


class OrderListItem(_OrderFields):
    """An order as the list shows it (Scalev's `OrderList`): money as JSON numbers, as Scalev's
    list has it, except the decimal-string `subtotal`, `total` and `gross_revenue`; `draft_time`
    and `pending_time` are left out when the order never had that status."""

    shipping_cost: float
    product_price: float = Field(description="The same as `subtotal` (Scalev's name)")
    draft_time: datetime | SkipJsonSchema[None] = None
    pending_time: datetime | SkipJsonSchema[None] = None


class OrderRead(_OrderFields):
    """One order (Scalev's `Order`): every status field, timestamp and payment field, money as
    decimal strings, its items and timelines."""

    shipping_cost: str
    product_price: str = Field(description="The same as `subtotal` (Scalev's name)")
    draft_time: datetime | None
    pending_time: datetime | None
    items: list[OrderItemRead]
    status_history: list[StatusHistoryItem]
    payment_status_history: list[StatusHistoryItem]


class ConnectedBusiness(BaseModel):
    unique_id: str | None = Field(description="The business's id, as a string")
    username: str | None = Field(description="The business's name, lower case, dashes for spaces")
    name: str | None
    is_enabled: bool
    scopes: list[str] = Field(description="The scopes of the calling key")


class AuthenticatedIdentity(BaseModel):
    """Scalev's `AuthenticatedIdentity`: an API key has no user and no OAuth application."""

    model_config = ConfigDict(extra="forbid")

    auth_method: Literal["api_key"]
    user: None
    oauth_application: None
    connected_businesses: list[ConnectedBusiness]


class LegacyOrderListItem(OrderListItem):
    id: int = Field(description="The order's numeric id")  # type: ignore[assignment]


class LegacyOrderRead(OrderRead):
    id: int = Field(description="The order's numeric id")  # type: ignore[assignment]
