"""The change's planning (`change_status.plan_changes`): which orders change, which are refused
and why, from the snapshots the unit of work read. No database: snapshots are built here."""

from __future__ import annotations

from dataclasses import fields
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from orderflow.domain.lifecycle import OrderStatus, PaymentStatus, StatusDay, Target
from orderflow.services.change_status import plan_changes
from orderflow.services.records import OrderSnapshot

NOW = datetime(2026, 12, 2, 8, 0, tzinfo=UTC)
MADE = datetime(2026, 11, 20, 3, 0, tzinfo=UTC)


def _snapshot(
    id_: int,
    status: OrderStatus = OrderStatus.PENDING,
    payment: PaymentStatus = PaymentStatus.UNPAID,
    **details: Any,
) -> OrderSnapshot:
    empty = dict.fromkeys(f.name for f in fields(OrderSnapshot)[6:])
    given = {**empty, "created_at": MADE, **details}
    return OrderSnapshot(id_, UUID(int=id_), f"ORD-{id_}", status, payment, 1, **given)


def test_each_order_is_changed_refused_or_not_found() -> None:
    confirm = Target(OrderStatus.CONFIRMED)
    snapshots = {1: _snapshot(1), 2: _snapshot(2, OrderStatus.CANCELED)}
    numbered = [(1, 1), (2, 2), (None, 3)]

    result, applied = plan_changes(numbered, dict.fromkeys([1, 2, 3], confirm), snapshots, NOW)

    assert [c.before.id for c in applied] == [1]
    assert applied[0].decision.status is OrderStatus.CONFIRMED
    assert {r.id: r.error_code for r in result.rejected} == {
        2: "invalid_transition",
        3: "order_not_found",
    }
    assert [s.id for s in result.data] == [1]


def test_orders_in_the_same_state_share_one_decision() -> None:
    confirm = Target(OrderStatus.CONFIRMED)
    snapshots = {i: _snapshot(i) for i in range(1, 4)}

    _, applied = plan_changes(
        [(i, i) for i in range(1, 4)], dict.fromkeys(range(1, 4), confirm), snapshots, NOW
    )

    assert len({id(c.decision) for c in applied}) == 1


def test_an_order_that_stays_put_changes_only_for_a_detail_it_lacks() -> None:
    receipt = Target(OrderStatus.SHIPPED, shipment_receipt="JNE123")
    shipped = {
        1: _snapshot(1, OrderStatus.SHIPPED),
        2: _snapshot(2, OrderStatus.SHIPPED, shipment_receipt="JNE123"),
    }

    result, applied = plan_changes([(1, 1), (2, 2)], {1: receipt, 2: receipt}, shipped, NOW)

    assert [c.before.id for c in applied] == [1]  # 2 already holds that tracking number
    assert not applied[0].decision.changes  # a details-only change
    assert [s.id for s in result.data] == [1, 2] and not result.rejected


def test_a_status_day_before_the_order_was_made_is_refused_for_that_order() -> None:
    day = StatusDay(datetime(2026, 11, 1, tzinfo=UTC), datetime(2026, 11, 2, tzinfo=UTC))
    on_day = Target(OrderStatus.CONFIRMED, status_day=day)

    result, applied = plan_changes([(1, 1)], {1: on_day}, {1: _snapshot(1)}, NOW)

    assert applied == []
    assert [r.error_code for r in result.rejected] == ["invalid_status_time"]
