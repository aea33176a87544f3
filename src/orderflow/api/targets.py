"""The lifecycle target a change asks for, read from a JSON request or a CSV row alike."""

from __future__ import annotations

from typing import Protocol

from orderflow.domain.lifecycle import (
    PAYMENT_FIELDS,
    OrderStatus,
    PaymentDetails,
    PaymentStatus,
    Target,
)


class ChangeFields(Protocol):
    """What both a change-status request and an upload row carry (and every PAYMENT_FIELDS)."""

    @property
    def status(self) -> OrderStatus | None: ...

    @property
    def payment_status(self) -> PaymentStatus | None: ...

    @property
    def by(self) -> str | None: ...


def target_of(fields: ChangeFields) -> Target:
    """The target `fields` ask for, their payment fields named as the domain names them."""
    details = PaymentDetails(**{name: getattr(fields, name) for name in PAYMENT_FIELDS})
    return Target(
        status=fields.status, payment_status=fields.payment_status, details=details, by=fields.by
    )
