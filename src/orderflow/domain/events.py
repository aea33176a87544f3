"""Events that leave orderflow through the outbox (past tense: something happened)."""

from __future__ import annotations

from enum import StrEnum


class EventType(StrEnum):
    ORDER_CREATED = "order.created"
    ORDER_STATUS_CHANGED = "order.status_changed"
    ORDER_PAYMENT_STATUS_CHANGED = "order.payment_status_changed"
    BUSINESS_TEST_EVENT = "business.test_event"
