"""The upload's row mapping (`status_upload._resolve`): which order each CSV row names, by id,
UUID or order number, and which rows name none or repeat one. The unit of work is a fake here:
the mapping reads only two lookups of the orders repository."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, cast
from uuid import UUID

from orderflow.domain.lifecycle import OrderStatus, Target
from orderflow.services.records import Actor
from orderflow.services.status_upload import UploadRow, _resolve
from orderflow.services.unit_of_work import UnitOfWorkFactory

KNOWN = UUID("0193a5e0-0000-7000-8000-000000000001")
SHIP = Target(OrderStatus.SHIPPED)


class _Orders:
    """The business's orders: numbers and UUIDs to numeric ids; counts its lookups."""

    def __init__(self) -> None:
        self.numbers, self.uuids = {"A-1": 1, "A-2": 2}, {KNOWN: 3}
        self.lookups = 0

    async def ids_by_number(self, numbers: Sequence[str]) -> dict[str, int]:
        self.lookups += 1
        return {n: self.numbers[n] for n in numbers if n in self.numbers}

    async def ids_by_uuid(self, uuids: Sequence[UUID]) -> dict[UUID, int]:
        self.lookups += 1
        return {u: self.uuids[u] for u in uuids if u in self.uuids}


class _Unit:
    def __init__(self, orders: _Orders) -> None:
        self.orders = orders

    async def __aenter__(self) -> _Unit:
        return self

    async def __aexit__(self, *exc: object) -> None:
        return None


def _factory(orders: _Orders) -> UnitOfWorkFactory:
    def open_unit(*_: Any, **__: Any) -> _Unit:
        return _Unit(orders)

    return cast(UnitOfWorkFactory, open_unit)


def _row(row: int, id_: int | UUID | None = None, number: str | None = None) -> UploadRow:
    return UploadRow(row, id_, number, SHIP)


async def test_each_row_names_its_order_by_id_uuid_or_number() -> None:
    orders = _Orders()
    rows = [_row(2, 7), _row(3, KNOWN), _row(4, number="A-1"), _row(5, 2, "A-2")]

    by_id, rejected = await _resolve(_factory(orders), Actor(1), rows)

    assert {id_: r.row for id_, r in by_id.items()} == {7: 2, 3: 3, 1: 4, 2: 5}
    assert rejected == []
    assert orders.lookups == 2  # one statement for the numbers, one for the UUIDs


async def test_rows_naming_no_order_a_wrong_pair_or_a_repeat_are_refused_by_row() -> None:
    orders = _Orders()
    rows = [
        _row(2, UUID(int=9)),  # an unknown UUID
        _row(3, number="NOPE"),  # an unknown number
        _row(4, 1, "A-2"),  # id and number name different orders
        _row(5, number="A-1"),
        _row(6, 1),  # the order of row 5 again
    ]

    by_id, rejected = await _resolve(_factory(orders), Actor(1), rows)

    assert {id_: r.row for id_, r in by_id.items()} == {1: 5}
    assert [(r.row, r.column, r.error_code) for r in rejected] == [
        (2, "id", "order_not_found"),
        (3, "order_id", "order_not_found"),
        (4, "order_id", "validation_error"),
        (6, "id", "duplicate_order"),
    ]
    assert "row 5" in rejected[-1].error


async def test_rows_by_numeric_id_alone_need_no_lookup() -> None:
    orders = _Orders()
    by_id, _ = await _resolve(_factory(orders), Actor(1), [_row(2, 5), _row(3, 6)])
    assert sorted(by_id) == [5, 6]
    assert orders.lookups == 0
