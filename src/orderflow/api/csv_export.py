"""Orders as CSV text, produced in chunks as the rows arrive (never the whole file in memory)."""

from __future__ import annotations

import csv
import io
import operator
import re
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from orderflow.api.order_refs import shown_id
from orderflow.contracts.versions import Contract, shown_method
from orderflow.domain.lifecycle import PAYMENT_FIELDS, PAYMENT_TIME_FIELDS, STATUS_TIME_FIELDS
from orderflow.services.records import OrderRow

EXPORT_COLUMNS = (
    "id",
    "order_id",
    "status",
    "payment_status",
    "payment_method",
    "customer_name",
    "customer_phone",
    "customer_email",
    "subtotal",
    "shipping_cost",
    "total",
    *(f for f in PAYMENT_FIELDS if f != "payment_method"),
    *STATUS_TIME_FIELDS,
    *PAYMENT_TIME_FIELDS,
    "created_at",
    "updated_at",
    "shipment_receipt",  # last: added after the others (0009), so their positions hold
)
# A spreadsheet runs a cell starting with one of these as a formula ("CSV injection").
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"^[+-]?[0-9][0-9 ().-]*$")  # phone numbers such as +62 812-3456
_TIME_COLUMNS = frozenset(
    name for name in EXPORT_COLUMNS if name.endswith("_time") or name.endswith("_at")
)
_TEXT_COLUMNS = frozenset(
    {
        "customer_name",
        "customer_phone",
        "customer_email",
        "payment_account_holder",
        "payment_account_number",
        "transferproof_url",
        "rtsproof_url",
        "shipment_receipt",
    }
)


def _time(value: datetime | None) -> str:
    if value is None:
        return ""
    text = value.isoformat()  # the database gives UTC already; convert only if it did not
    return text[:-6] + "Z" if text.endswith("+00:00") else _time(value.astimezone(UTC))


def _text(value: str | None) -> str:
    if not value:
        return ""
    if value.startswith(_FORMULA_START) and not _PLAIN_NUMBER.match(value):
        return "'" + value
    return value


def _plain(value: Decimal | int | str | None) -> str:
    return "" if value is None else str(value)


_FORMATS: tuple[Callable[[Any], str], ...] = tuple(
    _time if name in _TIME_COLUMNS else _text if name in _TEXT_COLUMNS else _plain
    for name in EXPORT_COLUMNS
)


_GETTERS = tuple(operator.attrgetter(name) for name in EXPORT_COLUMNS)
_ID_AT, _METHOD_AT = EXPORT_COLUMNS.index("id"), EXPORT_COLUMNS.index("payment_method")


def _cells(contract: Contract, row: OrderRow) -> list[str]:
    values = [get(row) for get in _GETTERS]
    # The export names orders and payment methods as the contract version does.
    values[_ID_AT] = shown_id(contract, row.id, row.uuid)
    values[_METHOD_AT] = shown_method(contract, row.payment_method)
    return [fmt(value) for value, fmt in zip(values, _FORMATS, strict=True)]


async def csv_chunks(
    batches: AsyncIterator[list[OrderRow]], contract: Contract
) -> AsyncIterator[str]:
    """A UTF-8 BOM (so spreadsheets read the text as UTF-8), the header, then one chunk of CSV
    text per batch of rows, ids and payment methods in `contract`'s form."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    buffer.write("\ufeff")
    writer.writerow(EXPORT_COLUMNS)
    async for batch in batches:
        writer.writerows([_cells(contract, row) for row in batch])
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
    yield buffer.getvalue()
