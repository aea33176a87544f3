"""Request and response schemas of the webhook management API."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, Field, StrictBool, model_validator
from pydantic.json_schema import SkipJsonSchema

from orderflow.api.schemas import HttpUrlText
from orderflow.contracts.versions import NEWEST, Contract
from orderflow.domain.webhooks import DeliveryStatus

# Scalev's seven order events; orderflow never sends order.epayment_created and
# order.spam_created (no payment gateway, no spam detection), but an endpoint may ask for them.
WebhookEvent = Literal[
    "order.created",
    "order.updated",
    "order.deleted",
    "order.status_changed",
    "order.payment_status_changed",
    "order.epayment_created",
    "order.spam_created",
]


class WebhookCreateRequest(BaseModel):
    url: HttpUrlText = Field(description="Where events are POSTed (http or https)")
    events: list[WebhookEvent] = Field(min_length=1, description="Events to receive")
    is_active: StrictBool = Field(
        default=True,
        description="Active endpoints receive events; activating sends business.test_event, "
        "which must be answered with 2xx",
    )
    contract: Contract = Field(
        default=NEWEST, description="The contract version its payloads follow (default: newest)"
    )


class WebhookUpdateRequest(BaseModel):
    url: HttpUrlText | SkipJsonSchema[None] = None
    events: Annotated[list[WebhookEvent], Field(min_length=1)] | SkipJsonSchema[None] = None
    is_active: StrictBool | SkipJsonSchema[None] = None
    contract: Contract | SkipJsonSchema[None] = Field(
        default=None, description="The contract version its payloads follow"
    )

    @model_validator(mode="before")
    @classmethod
    def _no_nulls(cls, data: object) -> object:
        # A field left out is left as it is; null is not a value any of them takes.
        if isinstance(data, dict):
            nulls = sorted(k for k, v in data.items() if v is None and k in cls.model_fields)
            if nulls:
                raise ValueError(f"{', '.join(nulls)} cannot be null; leave a field out to keep it")
        return data


class WebhookRead(BaseModel):
    id: int
    url: str
    events: list[str]
    is_active: bool
    contract: Contract = Field(description="The contract version its payloads follow")
    created_at: datetime
    updated_at: datetime


class WebhookWithSecret(WebhookRead):
    secret: str = Field(description="The signing secret; shown only on creation and rotation")


class WebhookResponse(BaseModel):
    data: WebhookRead


class WebhookSecretResponse(BaseModel):
    data: WebhookWithSecret


class WebhookListResponse(BaseModel):
    data: list[WebhookRead]
    is_paginated: Literal[False] = False


class AttemptRead(BaseModel):
    number: int
    attempted_at: datetime
    status_code: int | None = Field(description="HTTP status; null when no answer came")
    latency_ms: int
    error: str | None = Field(description="Why no answer came (timeout, refused, ...)")


class DeliveryRead(BaseModel):
    id: int
    unique_id: str = Field(description="The event's id, sent as unique_id and webhook-id")
    event: str
    order_id: int | None = Field(description="Primary key ID of the order, if any")
    sequence: int | None = Field(description="Per-order event number")
    status: DeliveryStatus
    attempt_count: int
    max_attempts: int
    next_attempt_at: datetime | None = Field(description="When a pending delivery is tried next")
    created_at: datetime
    delivered_at: datetime | None
    attempts: list[AttemptRead]


class DeliveryResponse(BaseModel):
    data: DeliveryRead


class DeliveryListResponse(BaseModel):
    data: list[DeliveryRead]
    is_paginated: Literal[False] = False
