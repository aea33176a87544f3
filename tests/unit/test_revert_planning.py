"""A revert's planning (`services/revert.py`), without a database: what each order goes back to,
and which orders are refused before the lifecycle is asked."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from uuid import UUID

import pytest

from orderflow.domain.lifecycle import (
    ChangeKind,
    OrderStatus,
    PaymentMethod,
    PaymentStatus,
    Target,
    changes_details,
    written_details,
)
from orderflow.services.records import LaterChange, RecordedChange
from orderflow.services.revert import (
    RequestNotFound,
    RequestNotRevertible,
    refusals,
    ways_back_of,
)

AT = datetime(2026, 12, 4, 8, 0, tzinfo=UTC)
S, P = OrderStatus, PaymentStatus


def _row(
    history_id: int,
    order_id: int,
    from_: tuple[S | None, P | None],
    to: tuple[S, P],
    *,
    given: dict[str, Any] | None = None,
    previous: dict[str, Any] | None = None,
    kind: ChangeKind = ChangeKind.STATUS,
) -> RecordedChange:
    return RecordedChange(
        history_id,
        order_id,
        UUID(int=order_id),
        f"ORD-{order_id}",
        kind,
        from_[0],
        to[0],
        from_[1],
        to[1],
        given or {},
        previous,
        AT,
    )


def test_an_order_goes_back_to_its_statuses_and_details_before_the_change() -> None:
    row = _row(
        10,
        1,
        (S.PENDING, P.UNPAID),
        (S.CONFIRMED, P.PAID),
        given={"payment_method": "bank_transfer", "payment_account_holder": "Siti"},
        previous={"payment_method": "qris"},  # the holder it gave: the order held none
    )

    [(order_id, way)] = ways_back_of("req-1", [row], "cs").items()

    assert order_id == 1 and way.first_row == 10
    target = way.target
    assert target is not None
    assert (target.status, target.payment_status, target.by) == (S.PENDING, P.UNPAID, "cs")
    assert target.details.payment_method is PaymentMethod.QRIS
    assert target.details.payment_account_holder is None
    assert target.cleared == frozenset({"payment_account_holder"})


def test_a_detail_a_revert_emptied_is_given_back_by_its_revert() -> None:
    # the revert's row gave nothing and emptied the tracking number, which held JNE-1
    emptied = _row(
        30, 1, (S.PENDING, P.UNPAID), (S.PENDING, P.UNPAID), previous={"shipment_receipt": "JNE-1"}
    )

    target = ways_back_of("req-undo", [emptied], None)[1].target

    assert target is not None
    assert (target.shipment_receipt, target.cleared) == ("JNE-1", frozenset())


def test_an_order_changed_twice_by_the_request_goes_back_to_before_the_first_time() -> None:
    rows = [
        _row(10, 1, (S.PENDING, P.UNPAID), (S.CONFIRMED, P.UNPAID)),
        _row(
            12,
            1,
            (S.CONFIRMED, P.UNPAID),
            (S.SHIPPED, P.UNPAID),
            given={"shipment_receipt": "JNE-2"},
            previous={"shipment_receipt": "JNE-1"},
        ),
    ]

    way = ways_back_of("req-1", rows, None)[1]

    assert way.first_row == 10
    assert way.target is not None
    assert (way.target.status, way.target.shipment_receipt) == (S.PENDING, "JNE-1")


def test_a_change_whose_details_before_were_not_recorded_has_no_way_back() -> None:
    old = _row(10, 1, (S.PENDING, P.UNPAID), (S.SHIPPED, P.UNPAID), given={"shipment_receipt": "X"})

    way = ways_back_of("req-1", [old], None)[1]

    assert way.target is None
    [rejection] = refusals("req-1", {1: way}, []).values()
    assert rejection.error_code == "details_not_recorded"


def test_nothing_to_revert_is_not_found_or_not_revertible() -> None:
    with pytest.raises(RequestNotFound):
        ways_back_of("req-1", [], None)
    created = _row(10, 1, (None, None), (S.PENDING, P.UNPAID))
    deleted = _row(11, 2, (S.DRAFT, P.UNPAID), (S.DRAFT, P.UNPAID), kind=ChangeKind.DELETED)
    with pytest.raises(RequestNotRevertible):
        ways_back_of("req-1", [created, deleted], None)


def test_later_rows_refuse_an_order_as_changed_since_or_already_reverted() -> None:
    rows = [_row(10 + n, n, (S.PENDING, P.UNPAID), (S.CONFIRMED, P.UNPAID)) for n in (1, 2, 3)]
    ways = ways_back_of("req-1", rows, None)
    later = [
        LaterChange(1, 20, "req-1", None),  # the request's own (a second call under its id)
        LaterChange(2, 21, "req-9", None),
        LaterChange(3, 22, "req-undo", "req-1"),
        LaterChange(3, 23, "req-8", None),
    ]

    refused = refusals("req-1", ways, later)

    assert {id_: r.error_code for id_, r in refused.items()} == {
        2: "changed_since",
        3: "already_reverted",
    }
    assert "req-9" in refused[2].error


def test_a_cleared_detail_is_written_and_changes_an_order_that_holds_it() -> None:
    target = Target(S.PENDING, cleared=frozenset({"shipment_receipt"}))

    class Holds:
        payment_method = financial_entity_id = payment_account_holder = None
        payment_account_number = transfer_time = transferproof_url = rtsproof_url = None
        shipment_receipt: str | None = "JNE-1"

    assert written_details(target) == ("shipment_receipt",)
    assert written_details(Target(S.PENDING)) == ()
    assert changes_details(target, Holds())
    Holds.shipment_receipt = None
    assert not changes_details(target, Holds())
