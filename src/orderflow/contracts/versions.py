"""The contract versions orderflow speaks, named by date, and what each calls a payment method."""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum

from orderflow.domain.lifecycle import PaymentMethod


class Contract(StrEnum):
    """A dated version of the API: `2025-01-01` is Scalev's older page (integer ids, `status`
    required, 15 payment methods); `2026-07-21` is Scalev's v3 as it is today (UUIDv7 ids,
    payment-only changes, 31 payment methods)."""

    V2025_01_01 = "2025-01-01"
    V2026_07_21 = "2026-07-21"


NEWEST = Contract.V2026_07_21
CONTRACT_HEADER = "Orderflow-Contract"
KNOWN = ", ".join(c.value for c in Contract)

_M = PaymentMethod
# In the order each version's page lists them.
PAYMENT_METHODS: Mapping[Contract, tuple[PaymentMethod, ...]] = {
    Contract.V2025_01_01: (
        _M.VA,
        _M.QRIS,
        _M.CARD,
        _M.INVOICE,
        _M.ALFAMART,
        _M.INDOMARET,
        _M.OVO,
        _M.DANA,
        _M.SHOPEEPAY,
        _M.LINKAJA,
        _M.GOPAY,
        _M.NO_PAYMENT,
        _M.BANK_TRANSFER,
        _M.MARKETPLACE,
        _M.COD,
    ),
    Contract.V2026_07_21: tuple(m for m in PaymentMethod if m not in (_M.VA, _M.INDOMARET)),
}

_ACCEPTED = {c: {m.value: m for m in methods} for c, methods in PAYMENT_METHODS.items()}


def parse_contract(value: str) -> Contract | None:
    """The version named `value`, or None if orderflow has no such version."""
    try:
        return Contract(value.strip())
    except ValueError:
        return None


def accepted_method(contract: Contract, value: object) -> PaymentMethod | None:
    """The payment method `value` names, if `contract` lets a caller send it."""
    return _ACCEPTED[contract].get(value) if isinstance(value, str) else None


def shown_method(contract: Contract, method: str | None) -> str | None:
    """A stored payment method as `contract` names it: the older version calls every bank's
    virtual account `va`. A value the version has no name for is shown as stored."""
    if method is not None and contract is Contract.V2025_01_01 and method.startswith("va_"):
        return _M.VA.value
    return method
