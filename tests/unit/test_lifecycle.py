"""The lifecycle over its whole matrix: every status pair and every payment-status pair."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest

from orderflow.domain.lifecycle import (
    OrderStatus,
    PaymentDetails,
    PaymentMethod,
    PaymentStatus,
    Refusal,
    RefusalCode,
    StatusDay,
    Target,
    can_change_payment_status,
    can_change_status,
    changes_details,
    decide,
    deletion_refusal,
    initial_status,
    status_time,
)

S, P = OrderStatus, PaymentStatus
# The table of the issue, written out again on purpose: the test must not read the code's table.
ALLOWED = {
    "draft": {"pending", "canceled"},
    "pending": {"confirmed", "in_process", "ready", "shipped", "canceled"},
    "confirmed": {"pending", "in_process", "ready", "shipped", "canceled"},
    "in_process": {"pending", "confirmed", "ready", "shipped", "canceled"},
    "ready": {"pending", "confirmed", "in_process", "shipped", "canceled"},
    "shipped": {"pending", "confirmed", "in_process", "ready", "completed", "rts", "closed"},
    "completed": {"shipped"},
    "rts": {"shipped"},
    "canceled": set(),
    "closed": set(),
}
PAYMENT_ALLOWED = {
    "unpaid": {"paid", "conflict"},
    "conflict": {"paid", "unpaid"},
    "paid": {"settled", "conflict", "unpaid"},
    "settled": set(),
}


def test_the_contract_enums_are_exactly_the_documented_values() -> None:
    assert [s.value for s in S] == [
        "draft", "pending", "confirmed", "in_process", "ready",
        "shipped", "completed", "canceled", "rts", "closed",
    ]  # fmt: skip
    assert [p.value for p in P] == ["unpaid", "paid", "conflict", "settled"]
    assert len(PaymentMethod) == 33
    assert {"va", "qris", "bank_transfer", "cod", "no_payment", "marketplace"} <= {
        m.value for m in PaymentMethod
    }


@pytest.mark.parametrize(("current", "target"), list(itertools.product(S, S)))
def test_status_transition_matrix(current: OrderStatus, target: OrderStatus) -> None:
    # given an order with payment untouched, when it is asked to move to `target`
    decision = decide(current, P.UNPAID, Target(target))
    # then it moves exactly when the table allows it, stays put when already there
    if current == target:
        assert decision.refusal is None and not decision.changes
        assert decision.status == current
    elif target.value in ALLOWED[current.value]:
        assert decision.refusal is None and decision.changes
        assert decision.status == target and decision.entered_status == target
        assert decision.entered_payment_status is None
    else:
        assert decision.refusal is not None
        assert decision.refusal.code is RefusalCode.INVALID_TRANSITION
        assert decision.refusal.message == f"{current.value} → {target.value} is not allowed"
        assert decision.status == current and not decision.changes
    assert can_change_status(current, target) == (
        current == target or target.value in ALLOWED[current.value]
    )


@pytest.mark.parametrize(("current", "target"), list(itertools.product(P, P)))
def test_payment_transition_matrix(current: PaymentStatus, target: PaymentStatus) -> None:
    # given a pending order, when only its payment status is asked to change
    decision = decide(S.PENDING, current, Target(S.PENDING, target))
    if current == target:
        assert decision.refusal is None and not decision.changes
    elif target.value in PAYMENT_ALLOWED[current.value]:
        assert decision.refusal is None and decision.changes
        assert decision.payment_status == target and decision.entered_payment_status == target
        assert decision.entered_status is None
    else:
        assert decision.refusal is not None
        assert "payment status" in decision.refusal.message
        assert decision.payment_status == current
    assert can_change_payment_status(current, target) == (
        current == target or target.value in PAYMENT_ALLOWED[current.value]
    )


def test_status_and_payment_move_together() -> None:
    decision = decide(S.PENDING, P.UNPAID, Target(S.CONFIRMED, P.PAID))
    assert decision.changes
    assert (decision.entered_status, decision.entered_payment_status) == (S.CONFIRMED, P.PAID)


def test_a_refused_payment_refuses_the_whole_order_even_if_the_status_may_move() -> None:
    decision = decide(S.PENDING, P.SETTLED, Target(S.CONFIRMED, P.UNPAID))
    assert decision.refusal is not None
    assert decision.status == S.PENDING and decision.payment_status == P.SETTLED


def test_no_payment_status_in_the_target_keeps_the_current_one() -> None:
    decision = decide(S.PENDING, P.PAID, Target(S.CONFIRMED))
    assert decision.payment_status == P.PAID and decision.entered_payment_status is None


def test_payment_details_do_not_change_the_decision() -> None:
    details = PaymentDetails(
        payment_method=PaymentMethod.BANK_TRANSFER,
        transfer_time=datetime(2026, 11, 27, tzinfo=UTC),
        transferproof_url="https://example.com/proof.jpg",
    )
    assert decide(S.PENDING, P.UNPAID, Target(S.PENDING, P.UNPAID, details)).changes is False


def test_new_orders_start_as_draft_without_a_payment_method_else_pending() -> None:
    assert initial_status(None) is S.DRAFT
    assert initial_status(PaymentMethod.COD) is S.PENDING


_DAY = StatusDay(
    datetime(2026, 11, 27, 17, 0, tzinfo=UTC), datetime(2026, 11, 28, 17, 0, tzinfo=UTC)
)
_NOW = datetime(2026, 12, 2, 8, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("created_at", "now", "expected"),
    [
        (datetime(2026, 11, 20, tzinfo=UTC), _NOW, _DAY.start),  # made earlier: the day's start
        (datetime(2026, 11, 28, 3, 0, tzinfo=UTC), _NOW, datetime(2026, 11, 28, 3, 0, tzinfo=UTC)),
        (datetime(2026, 11, 28, 17, 0, tzinfo=UTC), _NOW, "before the order was created"),
        (datetime(2026, 11, 20, tzinfo=UTC), _DAY.start - timedelta(seconds=1), "in the future"),
        (datetime(2026, 11, 20, tzinfo=UTC), _DAY.start, _DAY.start),  # today, at midnight
    ],
)
def test_a_status_day_is_its_start_never_before_creation_never_ahead(
    created_at: datetime, now: datetime, expected: datetime | str
) -> None:
    result = status_time(_DAY, created_at, now)
    if isinstance(expected, str):
        assert isinstance(result, Refusal) and expected in result.message
        assert result.code is RefusalCode.INVALID_STATUS_TIME
    else:
        assert result == expected


@dataclass(frozen=True)
class _Current:
    shipment_receipt: str | None = "JNE1"
    payment_method: str | None = "bank_transfer"
    financial_entity_id: int | None = None
    payment_account_holder: str | None = None
    payment_account_number: str | None = None
    transfer_time: datetime | None = None
    transferproof_url: str | None = None
    rtsproof_url: str | None = None


def test_details_change_only_when_a_given_value_differs() -> None:
    current = _Current()
    assert not changes_details(Target(S.SHIPPED), current)
    assert not changes_details(Target(S.SHIPPED, shipment_receipt="JNE1"), current)
    assert changes_details(Target(S.SHIPPED, shipment_receipt="JNE2"), current)
    same_method = PaymentDetails(payment_method=PaymentMethod.BANK_TRANSFER)
    assert not changes_details(Target(None, details=same_method), current)
    assert changes_details(
        Target(None, details=PaymentDetails(payment_account_holder="Siti")), current
    )


@pytest.mark.parametrize("status", list(S))
def test_only_drafts_and_canceled_orders_can_be_deleted(status: OrderStatus) -> None:
    refusal = deletion_refusal(status)
    assert (refusal is None) == (status.value in {"draft", "canceled"})
    if refusal is not None:
        assert refusal.code is RefusalCode.NOT_DELETABLE
