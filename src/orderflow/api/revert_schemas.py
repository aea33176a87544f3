"""The revert call (`POST /v3/orders/revert`) and what one request did
(`GET /v3/orders/changes/{request_id}`): bodies and answers in each contract version. A revert
answers in change-status's shape (`ChangeStatusResponse` of the version)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, Field, StringConstraints

from orderflow.api.schemas import ShortText
from orderflow.domain.lifecycle import ChangeKind, OrderStatus, PaymentStatus

# What X-Request-ID may be (api/middleware.py accepts a client's id only of this form).
REQUEST_ID_PATTERN = "^[A-Za-z0-9._:-]{1,128}$"
RequestId = Annotated[str, StringConstraints(max_length=128, pattern=REQUEST_ID_PATTERN)]


class RevertRequest(BaseModel):
    """The request to put back: the `X-Request-ID` of a change-status, CSV upload or revert
    answer."""

    request_id: RequestId = Field(
        description="X-Request-ID of the request whose changes to put back (1 to 128 of "
        "A-Z a-z 0-9 . _ : -)"
    )
    by: ShortText | None = Field(
        default=None, description="Entity or user performing the revert (shown in the history)"
    )


class RequestChange(BaseModel):
    """One order's change made by the request."""

    id: str = Field(description="The order's UUIDv7")
    order_id: str = Field(description="Order ID in string format")
    kind: ChangeKind = Field(
        description="`status`: the status and/or payment status moved (from null: the request "
        "made the order); `details`: only details changed; `deleted`: the order was deleted"
    )
    from_status: OrderStatus | None
    to_status: OrderStatus
    from_payment_status: PaymentStatus | None
    to_payment_status: PaymentStatus
    time: datetime
    reverted_by: str | None = Field(
        description="The request id of the revert that put this order back, if one did"
    )


class LegacyRequestChange(RequestChange):
    id: int = Field(description="The order's numeric id")  # type: ignore[assignment]


class RequestChangesResponse(BaseModel):
    """What one request did: counted, and each order's change, a page at a time (oldest first)."""

    request_id: str
    by: str | None = Field(description="Who the caller said made the changes")
    api_key_prefix: str | None = Field(description="Public prefix of the API key that made them")
    first_at: datetime = Field(description="When the request's first change was made")
    last_at: datetime = Field(description="When its last change was made")
    orders: int = Field(description="How many orders the request changed")
    changes: int = Field(description="How many history rows it wrote (one per order and request)")
    reverts: str | None = Field(description="The request this one reverted, if it was a revert")
    reverted_by: list[str] = Field(description="The reverts of this request, oldest first")
    data: list[RequestChange] = Field(description="This page's changes, oldest first")
    is_paginated: Literal[True] = True
    has_next: bool = Field(description="Whether more changes follow (`next_cursor` is set)")
    next_cursor: str | None = Field(description="Pass as ?next_cursor=…; null on the last page")
    page_size: int = Field(description="The page size asked for (at most 1,000)")


class LegacyRequestChangesResponse(RequestChangesResponse):
    data: list[LegacyRequestChange] = Field(  # type: ignore[assignment]
        description="This page's changes, oldest first"
    )
