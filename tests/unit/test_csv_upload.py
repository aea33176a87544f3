"""Reading change-status CSV files without a database: the shipped template and date cells."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from orderflow.api.csv_rows import parse_time
from orderflow.api.csv_upload import read_upload
from orderflow.contracts.versions import Contract
from orderflow.domain.lifecycle import OrderStatus, PaymentMethod, PaymentStatus

TEMPLATE = Path(__file__).resolve().parents[2] / "docs" / "change-status-template.csv"
JAKARTA = ZoneInfo("Asia/Jakarta")


def test_the_shipped_template_is_a_valid_upload() -> None:
    rows, invalid = read_upload(TEMPLATE.read_bytes(), TEMPLATE.name, JAKARTA, Contract.V2026_07_21)
    assert invalid == []
    assert [(r.row, r.order_number, r.target.status) for r in rows] == [
        (2, "261127QWERTY", OrderStatus.CONFIRMED),
        (3, "261127ASDFGH", OrderStatus.SHIPPED),
        (4, "261126ZXCVBN", OrderStatus.RTS),
        (5, "261126POIUYT", OrderStatus.CANCELED),
    ]
    first = rows[0].target
    assert first.payment_status is PaymentStatus.PAID
    assert first.details.payment_method is PaymentMethod.BANK_TRANSFER
    assert first.details.transfer_time == datetime(2026, 11, 27, 5, 31, tzinfo=UTC)
    assert first.by == "kasir@toko"


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ("2026-11-27", datetime(2026, 11, 26, 17, 0, tzinfo=UTC)),
        ("2026-11-27 12:31", datetime(2026, 11, 27, 5, 31, tzinfo=UTC)),
        ("2026-11-27T12:31:00Z", datetime(2026, 11, 27, 12, 31, tzinfo=UTC)),
        ("27/11/2026", datetime(2026, 11, 26, 17, 0, tzinfo=UTC)),
        ("27/11/2026 08:00:30", datetime(2026, 11, 27, 1, 0, 30, tzinfo=UTC)),
    ],
)
def test_date_cells(cell: str, expected: datetime) -> None:
    assert parse_time(cell, JAKARTA) == expected


@pytest.mark.parametrize("cell", ["yesterday", "11/27/2026", "2026-13-01", "27/11/26"])
def test_bad_date_cells(cell: str) -> None:
    with pytest.raises(ValueError):
        parse_time(cell, JAKARTA)
