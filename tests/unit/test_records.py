"""The typed records the adapters build from rows name real columns, and every one of them."""

from __future__ import annotations

from dataclasses import fields

from orderflow.adapters.bulk import DETAIL_COLUMNS
from orderflow.adapters.tables import orders
from orderflow.domain.lifecycle import (
    DETAIL_FIELDS,
    PAYMENT_FIELDS,
    PAYMENT_TIME_FIELDS,
    STATUS_TIME_FIELDS,
    CurrentDetails,
)
from orderflow.services.records import HistoryEntry, OrderRow, OrderSnapshot


def _names(record: type) -> list[str]:
    return [f.name for f in fields(record)]


def test_an_order_row_is_every_column_but_the_business_in_the_tables_order() -> None:
    assert _names(OrderRow) == [c.name for c in orders.columns if c.name != "business_id"]


def test_a_snapshot_holds_every_field_a_change_event_carries() -> None:
    names = _names(OrderSnapshot)
    assert set(names) <= set(orders.columns.keys())
    carried = {*PAYMENT_FIELDS, *STATUS_TIME_FIELDS, *PAYMENT_TIME_FIELDS, "shipment_receipt"}
    assert carried <= set(names)
    assert names[:6] == ["id", "uuid", "order_id", "status", "payment_status", "version"]


def test_a_snapshot_is_what_the_lifecycle_compares_details_with() -> None:
    wanted = {name for name in dir(CurrentDetails) if not name.startswith("_")}
    assert wanted == {*PAYMENT_FIELDS, "shipment_receipt"}
    assert wanted <= set(_names(OrderSnapshot))


def test_a_history_entry_holds_every_payment_detail_a_change_gives() -> None:
    assert set(PAYMENT_FIELDS) <= set(_names(HistoryEntry))


def test_the_bulk_detail_columns_are_the_domains_details_in_its_order() -> None:
    assert tuple(c.name for c in DETAIL_COLUMNS) == DETAIL_FIELDS
    assert set(DETAIL_FIELDS) <= set(orders.columns.keys())
