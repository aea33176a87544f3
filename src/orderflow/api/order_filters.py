"""The filter the list, the export and the statistics share, read from the query string."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

from fastapi import Depends, Query, Request

from orderflow.api.contract import contract_of
from orderflow.api.deps import PrincipalDep
from orderflow.api.schemas import NO_NUL, UtcDateTime
from orderflow.contracts.versions import PAYMENT_METHODS, Contract, accepted_method
from orderflow.domain.errors import InvalidInput
from orderflow.domain.lifecycle import OrderStatus, PaymentMethod, PaymentStatus
from orderflow.services.records import OrderFilter

MAX_SEARCH = 100


class SearchField(StrEnum):
    """Scalev's `search_field` values orderflow has (it has no external_id, pg_reference_id)."""

    ORDER_ID = "order_id"
    SHIPMENT_RECEIPT = "shipment_receipt"
    CUSTOMER_NAME = "customer_name"
    CUSTOMER_EMAIL = "customer_email"
    CUSTOMER_PHONE = "customer_phone"


# Scalev's `shipped_rts`: shipped, or returned to sender.
STATUS_GROUPS = {"shipped_rts": (OrderStatus.SHIPPED, OrderStatus.RTS)}
_STATUS_NAMES = frozenset(s.value for s in OrderStatus) | frozenset(STATUS_GROUPS)
_STATUS_LIST = ", ".join([*(s.value for s in OrderStatus), *STATUS_GROUPS])
# What a filter's status parameter takes: names, comma-separated (a trailing comma is fine).
_ANY_CASE = "|".join(
    "".join(f"[{c}{c.upper()}]" if c.isalpha() else c for c in name)
    for name in sorted(_STATUS_NAMES)
)
STATUS_PATTERN = rf"^ *({_ANY_CASE}) *(, *({_ANY_CASE}) *)*,? *$"


def _statuses(value: str | None) -> frozenset[OrderStatus]:
    names = [part.strip(" ").lower() for part in (value or "").split(",") if part.strip(" ")]
    unknown = [name for name in names if name not in _STATUS_NAMES]
    if unknown:
        allowed = _STATUS_LIST
        raise InvalidInput(
            "Invalid request: status",
            {
                "status": [
                    f"unknown status {name!r}; use one or more of: {allowed}" for name in unknown
                ]
            },
        )
    statuses: set[OrderStatus] = set()
    for name in names:
        statuses.update(STATUS_GROUPS.get(name) or (OrderStatus(name),))
    return frozenset(statuses)


def _method(contract: Contract, value: str | None) -> PaymentMethod | None:
    if value is None:
        return None
    method = accepted_method(contract, value)
    if method is None:
        allowed = ", ".join(m.value for m in PAYMENT_METHODS[contract])
        raise InvalidInput(
            "Invalid request: payment_method", {"payment_method": [f"use one of: {allowed}"]}
        )
    return method


def order_filter(
    request: Request,
    principal: PrincipalDep,  # first: the filter is read in the key's contract version
    status: Annotated[
        str | None,
        Query(
            description="One or several statuses, comma-separated (e.g. `confirmed,in_process`); "
            "`shipped_rts` is shipped or rts",
            examples=["confirmed,in_process"],
            pattern=STATUS_PATTERN,
        ),
    ] = None,
    payment_status: Annotated[PaymentStatus | None, Query(description="Payment status")] = None,
    payment_method: Annotated[
        str | None, Query(description="Payment method (the contract version's names)")
    ] = None,
    created_since: Annotated[
        UtcDateTime | None,
        Query(description="Created at or after (ISO 8601; without an offset it is UTC)"),
    ] = None,
    created_until: Annotated[
        UtcDateTime | None,
        Query(description="Created before, exclusive (ISO 8601; without an offset it is UTC)"),
    ] = None,
    search: Annotated[
        str | None,
        Query(
            max_length=MAX_SEARCH,
            pattern=NO_NUL,
            description="Part of the order number, customer name, phone or email (any case, "
            "any length; from 3 characters a trigram index answers it on PostgreSQL); with "
            "`search_field`, part of that field only",
        ),
    ] = None,
    search_field: Annotated[
        SearchField | None,
        Query(
            description="The one field `search` looks in (Scalev's parameter; without it, "
            "every field above at once)"
        ),
    ] = None,
    shipment_receipt: Annotated[
        str | None,
        Query(
            min_length=1,
            max_length=255,
            pattern=NO_NUL,
            description="Exactly this tracking number",
        ),
    ] = None,
) -> OrderFilter:
    """The filter shared by the list, the export and the statistics."""
    term = (search or "").strip() or None
    return OrderFilter(
        statuses=_statuses(status),
        payment_status=payment_status,
        payment_method=_method(contract_of(request), payment_method),
        created_since=created_since,  # UtcDateTime: aware, in UTC already
        created_until=created_until,
        search=term,
        search_field=search_field.value if search_field is not None else None,
        shipment_receipt=shipment_receipt.strip() if shipment_receipt else None,
    )


OrderFilterDep = Annotated[OrderFilter, Depends(order_filter)]
