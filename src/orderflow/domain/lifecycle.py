"""The order lifecycle: statuses, the transition tables and what a change does to an order.

Pure standard library. Takes plain data (an order's current state, a requested target) and returns
plain data (a decision). Everything else calls this; nothing here knows about HTTP or SQL.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields
from datetime import datetime
from enum import StrEnum
from typing import Protocol


class OrderStatus(StrEnum):
    DRAFT = "draft"
    PENDING = "pending"
    CONFIRMED = "confirmed"
    IN_PROCESS = "in_process"
    READY = "ready"
    SHIPPED = "shipped"
    COMPLETED = "completed"
    CANCELED = "canceled"
    RTS = "rts"
    CLOSED = "closed"


class PaymentStatus(StrEnum):
    UNPAID = "unpaid"
    PAID = "paid"
    CONFLICT = "conflict"
    SETTLED = "settled"


class PaymentMethod(StrEnum):
    """Every payment method an order can carry: the canonical flat values of today's contract,
    and the two older values (`va`, `indomaret`) that orders made under the older one may hold.
    Which of them a caller may send is the contract version's business (see `orderflow.contracts`).
    """

    VA_BCA = "va_bca"
    VA_BNI = "va_bni"
    VA_BRI = "va_bri"
    VA_MANDIRI = "va_mandiri"
    VA_PERMATA = "va_permata"
    VA_CIMB = "va_cimb"
    VA_BSI = "va_bsi"
    VA_MAYBANK = "va_maybank"
    VA_BNC = "va_bnc"
    VA_DANAMON = "va_danamon"
    VA_ARTHA_GRAHA = "va_artha_graha"
    VA_MUAMALAT = "va_muamalat"
    VA_BTN = "va_btn"
    VA_OCBC = "va_ocbc"
    VA_BJB = "va_bjb"
    VA_SAHABAT_SAMPOERNA = "va_sahabat_sampoerna"
    VA_ARTAJASA = "va_artajasa"
    QRIS = "qris"
    CARD = "card"
    INVOICE = "invoice"
    PAYMENT_LINK = "payment_link"
    ALFAMART = "alfamart"
    OVO = "ovo"
    DANA = "dana"
    SHOPEEPAY = "shopeepay"
    LINKAJA = "linkaja"
    GOPAY = "gopay"
    NO_PAYMENT = "no_payment"
    BANK_TRANSFER = "bank_transfer"
    MARKETPLACE = "marketplace"
    COD = "cod"
    # Only in the older contract: a virtual account of an unnamed bank, and Indomaret.
    VA = "va"
    INDOMARET = "indomaret"


_S = OrderStatus
STATUS_TRANSITIONS: Mapping[OrderStatus, frozenset[OrderStatus]] = {
    _S.DRAFT: frozenset({_S.PENDING, _S.CANCELED}),
    _S.PENDING: frozenset({_S.CONFIRMED, _S.IN_PROCESS, _S.READY, _S.SHIPPED, _S.CANCELED}),
    _S.CONFIRMED: frozenset({_S.PENDING, _S.IN_PROCESS, _S.READY, _S.SHIPPED, _S.CANCELED}),
    _S.IN_PROCESS: frozenset({_S.PENDING, _S.CONFIRMED, _S.READY, _S.SHIPPED, _S.CANCELED}),
    _S.READY: frozenset({_S.PENDING, _S.CONFIRMED, _S.IN_PROCESS, _S.SHIPPED, _S.CANCELED}),
    _S.SHIPPED: frozenset(
        {_S.PENDING, _S.CONFIRMED, _S.IN_PROCESS, _S.READY, _S.COMPLETED, _S.RTS, _S.CLOSED}
    ),
    _S.COMPLETED: frozenset({_S.SHIPPED}),
    _S.RTS: frozenset({_S.SHIPPED}),
    _S.CANCELED: frozenset(),
    _S.CLOSED: frozenset(),
}

_P = PaymentStatus
PAYMENT_TRANSITIONS: Mapping[PaymentStatus, frozenset[PaymentStatus]] = {
    _P.UNPAID: frozenset({_P.PAID, _P.CONFLICT}),
    _P.CONFLICT: frozenset({_P.PAID, _P.UNPAID}),
    _P.PAID: frozenset({_P.SETTLED, _P.CONFLICT, _P.UNPAID}),
    _P.SETTLED: frozenset(),
}


# Scalev's merchant rule: only an order that never went anywhere, or was canceled, is deleted.
DELETABLE_STATUSES = frozenset({OrderStatus.DRAFT, OrderStatus.CANCELED})


class RefusalCode(StrEnum):
    """Why an order refuses a change (status and payment-status refusals share one code)."""

    INVALID_TRANSITION = "invalid_transition"
    INVALID_STATUS_TIME = "invalid_status_time"
    NOT_DELETABLE = "order_not_deletable"


class ChangeKind(StrEnum):
    """What one history row records."""

    STATUS = "status"  # the status, the payment status or both moved (also: the order was made)
    DETAILS = "details"  # only details changed: the tracking number, payment fields
    DELETED = "deleted"  # the order was deleted


@dataclass(frozen=True, slots=True)
class PaymentDetails:
    """Optional payment fields that travel with a change and are stored on each changed order."""

    payment_method: PaymentMethod | None = None
    financial_entity_id: int | None = None
    payment_account_holder: str | None = None
    payment_account_number: str | None = None
    transfer_time: datetime | None = None
    transferproof_url: str | None = None
    rtsproof_url: str | None = None


PAYMENT_FIELDS: tuple[str, ...] = tuple(f.name for f in fields(PaymentDetails))
# Every detail a change can write on an order: the payment fields and the tracking number.
DETAIL_FIELDS: tuple[str, ...] = (*PAYMENT_FIELDS, "shipment_receipt")
STATUS_TIME_FIELDS: tuple[str, ...] = tuple(f"{s.value}_time" for s in OrderStatus)
PAYMENT_TIME_FIELDS: tuple[str, ...] = tuple(f"{p.value}_time" for p in PaymentStatus)


@dataclass(frozen=True, slots=True)
class StatusDay:
    """A calendar day in the caller's time zone, as the instants it starts and ends (aware)."""

    start: datetime
    end: datetime  # exclusive: the next day's start


@dataclass(frozen=True, slots=True)
class Target:
    """What a caller asks an order to become; `status` None keeps the order's status (a change
    of the payment status only). `shipment_receipt` None keeps the order's tracking number;
    `status_day` None: the order enters its new status at the time of the change. `cleared`
    names details (of `DETAIL_FIELDS`) to empty: how a revert puts back a detail the order did
    not hold before the change it reverts (a caller's change never clears one)."""

    status: OrderStatus | None
    payment_status: PaymentStatus | None = None
    details: PaymentDetails = PaymentDetails()
    by: str | None = None
    shipment_receipt: str | None = None
    status_day: StatusDay | None = None
    cleared: frozenset[str] = frozenset()


@dataclass(frozen=True, slots=True)
class Refusal:
    code: RefusalCode
    message: str


@dataclass(frozen=True, slots=True)
class Decision:
    """The outcome of asking one order in a given state to move to a target.

    `entered_status` / `entered_payment_status` name the status whose `<status>_time` is stamped;
    they are None when that part of the order does not move.
    """

    status: OrderStatus
    payment_status: PaymentStatus
    entered_status: OrderStatus | None = None
    entered_payment_status: PaymentStatus | None = None
    refusal: Refusal | None = None

    @property
    def changes(self) -> bool:
        """True when the order moves (its status, its payment status or both)."""
        return self.refusal is None and (
            self.entered_status is not None or self.entered_payment_status is not None
        )


def can_change_status(current: OrderStatus, target: OrderStatus) -> bool:
    """Whether an order may move from `current` to `target` (staying put is always allowed)."""
    return current == target or target in STATUS_TRANSITIONS[current]


def can_change_payment_status(current: PaymentStatus, target: PaymentStatus) -> bool:
    """Whether a payment status may move from `current` to `target` (staying put is allowed)."""
    return current == target or target in PAYMENT_TRANSITIONS[current]


def decide(status: OrderStatus, payment_status: PaymentStatus, target: Target) -> Decision:
    """Decide what happens to an order in (`status`, `payment_status`) asked to become `target`."""
    wanted_status = target.status or status
    if not can_change_status(status, wanted_status):
        return Decision(
            status,
            payment_status,
            refusal=Refusal(
                RefusalCode.INVALID_TRANSITION,
                f"{status.value} → {wanted_status.value} is not allowed",
            ),
        )
    wanted_payment = target.payment_status or payment_status
    if not can_change_payment_status(payment_status, wanted_payment):
        return Decision(
            status,
            payment_status,
            refusal=Refusal(
                RefusalCode.INVALID_TRANSITION,
                f"payment status {payment_status.value} → {wanted_payment.value} is not allowed",
            ),
        )
    return Decision(
        wanted_status,
        wanted_payment,
        entered_status=wanted_status if wanted_status != status else None,
        entered_payment_status=wanted_payment if wanted_payment != payment_status else None,
    )


class CurrentDetails(Protocol):
    """The details an order holds now, which a change may give again (an order snapshot)."""

    @property
    def payment_method(self) -> str | None: ...
    @property
    def financial_entity_id(self) -> int | None: ...
    @property
    def payment_account_holder(self) -> str | None: ...
    @property
    def payment_account_number(self) -> str | None: ...
    @property
    def transfer_time(self) -> datetime | None: ...
    @property
    def transferproof_url(self) -> str | None: ...
    @property
    def rtsproof_url(self) -> str | None: ...
    @property
    def shipment_receipt(self) -> str | None: ...


def changes_details(target: Target, current: CurrentDetails) -> bool:
    """Whether `target` gives a detail (a payment field, the tracking number) that differs from
    the order's `current` value of it, or clears one the order holds."""
    if target.shipment_receipt is not None and target.shipment_receipt != current.shipment_receipt:
        return True
    for name in PAYMENT_FIELDS:
        value = getattr(target.details, name)
        if value is not None and value != getattr(current, name):
            return True
    return any(getattr(current, name) is not None for name in target.cleared)


def written_details(target: Target) -> tuple[str, ...]:
    """The details `target` writes on an order (gives or clears), in `DETAIL_FIELDS` order."""
    given = set(target.cleared)
    given.update(name for name in PAYMENT_FIELDS if getattr(target.details, name) is not None)
    if target.shipment_receipt is not None:
        given.add("shipment_receipt")
    return tuple(name for name in DETAIL_FIELDS if name in given)


def status_time(day: StatusDay, created_at: datetime, now: datetime) -> datetime | Refusal:
    """When an order entered its status on `day`: the day's start, or the order's creation if
    it was created that day. A day after today, or before the order was created, is refused."""
    if day.start > now:
        return Refusal(RefusalCode.INVALID_STATUS_TIME, "the status date is in the future")
    if day.end <= created_at:
        return Refusal(
            RefusalCode.INVALID_STATUS_TIME, "the status date is before the order was created"
        )
    return max(day.start, created_at)


def deletion_refusal(status: OrderStatus) -> Refusal | None:
    """Why an order in `status` cannot be deleted (None: it can)."""
    if status in DELETABLE_STATUSES:
        return None
    return Refusal(
        RefusalCode.NOT_DELETABLE,
        f"a {status.value} order cannot be deleted; only draft and canceled orders can",
    )


def initial_status(payment_method: PaymentMethod | None) -> OrderStatus:
    """A new order is a draft until it has a payment method, then it is pending."""
    return OrderStatus.DRAFT if payment_method is None else OrderStatus.PENDING
