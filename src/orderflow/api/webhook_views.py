"""Webhook endpoints and deliveries rendered as the JSON bodies the API documents."""

from __future__ import annotations

from typing import Any

from orderflow.domain.webhooks import DeliveryStatus
from orderflow.services.webhook_ports import DeliveryRecord, WebhookEndpoint


def webhook_body(endpoint: WebhookEndpoint, *, with_secret: bool = False) -> dict[str, Any]:
    """An endpoint; its secret only when just created or rotated."""
    body: dict[str, Any] = {
        "id": endpoint.id,
        "url": endpoint.url,
        "events": sorted(endpoint.events),
        "is_active": endpoint.is_active,
        "contract": endpoint.contract,
        "created_at": endpoint.created_at,
        "updated_at": endpoint.updated_at,
    }
    if with_secret:
        body["secret"] = endpoint.secret
    return body


def delivery_body(d: DeliveryRecord) -> dict[str, Any]:
    """A delivery with every attempt."""
    return {
        "id": d.id,
        "unique_id": d.event_id,
        "event": d.event_type,
        "order_id": d.order_id,
        "sequence": d.sequence,
        "status": d.status.value,
        "attempt_count": d.attempts,
        "max_attempts": d.max_attempts,
        "next_attempt_at": d.next_attempt_at if d.status is DeliveryStatus.PENDING else None,
        "created_at": d.created_at,
        "delivered_at": d.delivered_at,
        "attempts": [
            {
                "number": a.number,
                "attempted_at": a.attempted_at,
                "status_code": a.status_code,
                "latency_ms": a.latency_ms,
                "error": a.error,
            }
            for a in d.attempt_log
        ],
    }
