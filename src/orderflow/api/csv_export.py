"""Orders as CSV text, produced in chunks as the rows arrive (never the whole file in memory)."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from orderflow.domain.lifecycle import PAYMENT_FIELDS, PAYMENT_TIME_FIELDS, STATUS_TIME_FIELDS

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
)
_CHUNK_CHARS = 64 * 1024
# A spreadsheet runs a cell starting with one of these as a formula ("CSV injection").
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"^[+-]?[0-9][0-9 ().-]*$")  # phone numbers such as +62 812-3456


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat().replace("+00:00", "Z")
    if isinstance(value, Decimal | int):
        return str(value)
    text = str(value)
    if text.startswith(_FORMULA_START) and not _PLAIN_NUMBER.match(text):
        return "'" + text
    return text


async def csv_chunks(rows: AsyncIterator[dict[str, Any]]) -> AsyncIterator[str]:
    """A UTF-8 BOM (so spreadsheets read the text as UTF-8), the header, then the rows, as CSV
    text in chunks of about 64 KiB."""
    buffer = io.StringIO()
    buffer.write("\ufeff")
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(EXPORT_COLUMNS)
    async for row in rows:
        writer.writerow([_cell(row[name]) for name in EXPORT_COLUMNS])
        if buffer.tell() >= _CHUNK_CHARS:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()
