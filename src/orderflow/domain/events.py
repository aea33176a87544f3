"""Events that leave orderflow through the outbox (past tense: something happened)."""

from __future__ import annotations

from enum import StrEnum


class EventType(StrEnum):
    """Every event of Scalev's contract. orderflow has no payment gateway and no spam
    detection, so it never sends `order.epayment_created` or `order.spam_created`; an endpoint
    may subscribe to them all the same (a receiver made for Scalev does)."""

    ORDER_CREATED = "order.created"
    ORDER_UPDATED = "order.updated"  # details changed, statuses did not
    ORDER_DELETED = "order.deleted"
    ORDER_STATUS_CHANGED = "order.status_changed"
    ORDER_PAYMENT_STATUS_CHANGED = "order.payment_status_changed"
    ORDER_EPAYMENT_CREATED = "order.epayment_created"
    ORDER_SPAM_CREATED = "order.spam_created"
    BUSINESS_TEST_EVENT = "business.test_event"


# The events of the contract orderflow cannot produce (see `EventType`).
NEVER_SENT = frozenset({EventType.ORDER_EPAYMENT_CREATED, EventType.ORDER_SPAM_CREATED})
