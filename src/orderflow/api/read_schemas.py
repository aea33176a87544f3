"""What the API answers about orders and the caller: one order, a list item, the identity."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field
from pydantic.json_schema import SkipJsonSchema

from orderflow.domain.lifecycle import OrderStatus, PaymentMethod, PaymentStatus


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
    shipment_receipt: str | None = Field(description="The courier's tracking number")
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
