"""The bulk delete call (`POST /v3/orders/delete`): its body and its answer in each version."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field
from pydantic.json_schema import SkipJsonSchema

from orderflow.api.order_refs import OrderRefIn
from orderflow.api.schemas import MAX_IDS, RejectedOrder

_REJECTED = "Orders left and why; present with on_error=skip or dry_run=true"


class DeleteOrdersRequest(BaseModel):
    """Order primary keys to delete (only draft and canceled orders can be)."""

    ids: list[OrderRefIn] = Field(
        min_length=1,
        max_length=MAX_IDS,
        description="The orders: each its UUIDv7, or its legacy numeric id as a number or a "
        "decimal string (1 to 10,000)",
    )


class DeleteOrdersResponse(BaseModel):
    """Non-paginated list payload for v3."""

    data: list[str] = Field(description="The deleted orders' UUIDv7s")
    is_paginated: Literal[False] = False
    rejected: list[RejectedOrder] | SkipJsonSchema[None] = Field(
        default=None, description=_REJECTED
    )


class LegacyDeleteOrdersResponse(DeleteOrdersResponse):
    data: list[int] = Field(  # type: ignore[assignment]
        description="The deleted orders' numeric ids"
    )
