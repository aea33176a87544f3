"""The change-status call in each contract version: its body and its answer."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field
from pydantic.json_schema import SkipJsonSchema

from orderflow.api.order_refs import OrderRefIn
from orderflow.api.schemas import (
    MAX_IDS,
    HttpUrlText,
    IdNumber,
    LegacyPaymentMethodIn,
    PaymentMethodIn,
    RejectedOrder,
    ShortText,
    UtcDateTime,
)
from orderflow.domain.lifecycle import OrderStatus, PaymentStatus


class _ChangeFields(BaseModel):
    """What a change carries besides the target, the same in every version."""

    ids: list[OrderRefIn] = Field(
        min_length=1,
        max_length=MAX_IDS,
        description="The orders: each its UUIDv7, or its legacy numeric id as a number or a "
        "decimal string (1 to 10,000)",
    )
    by: ShortText | None = Field(
        default=None, description="Entity or user performing the status change"
    )
    financial_entity_id: IdNumber | None = Field(default=None, description="Financial entity ID")
    payment_account_holder: ShortText | None = Field(
        default=None, description="Payment account holder name"
    )
    payment_account_number: ShortText | None = Field(
        default=None, description="Payment account number"
    )
    payment_status: PaymentStatus | None = Field(
        default=None, description="Order payment status (null: leave it as it is)"
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


class ChangeStatusRequest(_ChangeFields):
    """Status or payment status change data: `status`, `payment_status` or both."""

    model_config = ConfigDict(
        json_schema_extra={
            "anyOf": [
                {"required": ["status"], "properties": {"status": {"type": "string"}}},
                {
                    "required": ["payment_status"],
                    "properties": {"payment_status": {"type": "string"}},
                },
            ]
        }
    )

    status: OrderStatus | None = Field(
        default=None,
        description="Order status; leave it out (or null) to change the payment status only",
    )
    payment_method: PaymentMethodIn | None = Field(default=None, description="Order payment method")


class LegacyChangeStatusRequest(_ChangeFields):
    """Status or payment status change data (contract 2025-01-01: `status` is required)."""

    status: OrderStatus = Field(description="Order status")
    payment_method: LegacyPaymentMethodIn | None = Field(
        default=None, description="Order payment method"
    )


class OrderChangeStatus(BaseModel):
    id: str = Field(description="The order's UUIDv7")
    order_id: str = Field(description="Order ID in string format")
    public_order_url: str | None = Field(description="Always null: orderflow has no public page")
    payment_url: str | None = Field(description="Always null: orderflow has no payment page")
    payment_status: PaymentStatus = Field(description="Order payment status")
    status: OrderStatus = Field(description="Order status")


class LegacyOrderChangeStatus(BaseModel):
    id: int = Field(description="The order's numeric id")
    order_id: str = Field(description="Order ID in string format")
    payment_status: PaymentStatus = Field(description="Order payment status")
    status: OrderStatus = Field(description="Order status")


_REJECTED = "Orders left unchanged and why; present with on_error=skip or dry_run=true"


class ChangeStatusResponse(BaseModel):
    """Non-paginated list payload for v3."""

    data: list[OrderChangeStatus]
    is_paginated: Literal[False] = False
    rejected: list[RejectedOrder] | SkipJsonSchema[None] = Field(
        default=None, description=_REJECTED
    )


class LegacyChangeStatusResponse(BaseModel):
    """Non-paginated list payload for v3."""

    data: list[LegacyOrderChangeStatus]
    is_paginated: Literal[False] = False
    rejected: list[RejectedOrder] | SkipJsonSchema[None] = Field(
        default=None, description=_REJECTED
    )
