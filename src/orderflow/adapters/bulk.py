"""What a change writes, as columns of a bulk table of values (sql_dialect.py binds the table:
one parameter set for N rows, so a statement's text does not depend on N)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from orderflow.adapters.sql_dialect import BulkColumn
from orderflow.domain.lifecycle import PaymentDetails, Target
from orderflow.services.records import AppliedChange

# The payment fields of a change as bulk columns, in `PAYMENT_FIELDS` order (see payment_values).
PAYMENT_COLUMNS = (
    BulkColumn("payment_method", "text"),
    BulkColumn("financial_entity_id", "bigint"),
    BulkColumn("payment_account_holder", "text"),
    BulkColumn("payment_account_number", "text"),
    BulkColumn("transfer_time", "timestamptz"),
    BulkColumn("transferproof_url", "text"),
    BulkColumn("rtsproof_url", "text"),
)


# What a change's target writes on the order: its payment fields and the tracking number, in
# the domain's `lifecycle.DETAIL_FIELDS` order (a unit test keeps them equal).
DETAIL_COLUMNS = (*PAYMENT_COLUMNS, BulkColumn("shipment_receipt", "text"))


def payment_values(details: PaymentDetails) -> tuple[Any, ...]:
    """The payment fields of a change, in `PAYMENT_FIELDS` order, ready to bind."""
    method = details.payment_method
    return (
        method.value if method is not None else None,
        details.financial_entity_id,
        details.payment_account_holder,
        details.payment_account_number,
        details.transfer_time,
        details.transferproof_url,
        details.rtsproof_url,
    )


def detail_values(target: Target) -> tuple[Any, ...]:
    """What `target` writes on the order, in `DETAIL_COLUMNS` order, ready to bind."""
    return (*payment_values(target.details), target.shipment_receipt)


def one_target(changes: Sequence[AppliedChange]) -> Target | None:
    """The target every change shares (a request's), or None when the rows ask for different
    ones; shared fields are then bound once, not as one array element per row."""
    first = changes[0].target
    return first if all(c.target is first or c.target == first for c in changes) else None
