"""Reading a change-status CSV: file checks, the header, then each row validated on its own.

Spreadsheets export CSV in many shapes: a UTF-8 BOM, `;` instead of `,` (Indonesian and European
Excel), blank lines, trailing empty columns, "Confirmed" for `confirmed`, dates as 27/11/2026.
All of those are accepted; anything else is a clear 400 for the file or an error for its row.
"""

from __future__ import annotations

import csv
import dataclasses
import io
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from pydantic import (
    ValidationError,
)

from orderflow.api.csv_rows import DATE_COLUMNS, ROW_MODELS, CsvRow
from orderflow.api.schemas import (
    MAX_ID,
    MAX_IDS,
)
from orderflow.api.targets import target_of
from orderflow.contracts.versions import Contract
from orderflow.domain.errors import InvalidInput
from orderflow.domain.lifecycle import PAYMENT_FIELDS, StatusDay
from orderflow.services.status_upload import VALIDATION_ERROR, RowRejection, UploadRow

MAX_FILE_BYTES = 5 * 1024 * 1024
ORDER_COLUMNS = ("order_id", "id")
COLUMNS = (
    *ORDER_COLUMNS,
    "status",
    "payment_status",
    *PAYMENT_FIELDS,
    "by",
    "shipment_receipt",
    *DATE_COLUMNS,
)
_SEPARATORS = (",", ";", "\t")
_ENUM_COLUMNS = ("status", "payment_status", "payment_method")
_BINARY_MAGIC = {
    b"PK\x03\x04": "an Excel/ZIP file",
    b"%PDF": "a PDF",
    b"\xd0\xcf\x11\xe0": "an .xls",
}


class InvalidCsv(InvalidInput):
    code = "invalid_csv"

    def __init__(self, reason: str) -> None:
        super().__init__(f"Invalid CSV file: {reason}", {"file": [reason]})


def _text(data: bytes, filename: str | None) -> str:
    if not data.strip():
        raise InvalidCsv("the file is empty")
    if len(data) > MAX_FILE_BYTES:
        raise InvalidCsv("the file is larger than 5 MiB; split it")
    kind = next((k for magic, k in _BINARY_MAGIC.items() if data.startswith(magic)), None)
    if kind is not None or b"\x00" in data:
        raise InvalidCsv(f"this is {kind or 'a binary file'}, not CSV; save the sheet as CSV")
    if filename and filename.lower().rsplit(".", 1)[-1] in ("xlsx", "xls", "ods", "numbers"):
        raise InvalidCsv("this is a spreadsheet file, not CSV; save the sheet as CSV")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InvalidCsv(
            "the file is not UTF-8 text; in Excel save as 'CSV UTF-8 (Comma delimited)'"
        ) from None


def _separator(header_line: str) -> str:
    return max(_SEPARATORS, key=header_line.count)


def _header(cells: list[str], contract: Contract) -> list[str]:
    names = [c.strip().lower() for c in cells]
    known = [n for n in names if n in COLUMNS]
    if not known:
        raise InvalidCsv(
            "the first line is not a header: name the columns, e.g. order_id,status "
            "(see docs/change-status-template.csv)"
        )
    unknown = sorted({n for n in names if n and n not in COLUMNS})
    if unknown:
        raise InvalidCsv(
            f"unknown columns: {', '.join(unknown)}; the columns are {', '.join(COLUMNS)}"
        )
    repeated = sorted({n for n in known if names.count(n) > 1})
    if repeated:
        raise InvalidCsv(f"columns named twice: {', '.join(repeated)}")
    if contract is Contract.V2025_01_01 and "status" not in names:
        raise InvalidCsv("the status column is missing")
    if "status" not in names and "payment_status" not in names:
        raise InvalidCsv("the status column (or a payment_status column) is missing")
    if not any(c in names for c in ORDER_COLUMNS):
        raise InvalidCsv("name each order in an order_id or an id column")
    return names


def _row_errors(row: int, cells: dict[str, str], error: ValidationError) -> list[RowRejection]:
    order_number = cells.get("order_id") or None
    id_text = cells.get("id") or ""
    id_ = int(id_text) if id_text.isdigit() and 0 < int(id_text) <= MAX_ID else None
    rejected = []
    for err in error.errors():
        column = str(err["loc"][0]) if err["loc"] else _model_column(err["type"])
        message = str(err["msg"]).removeprefix("Value error, ")
        if err["type"] == "missing":
            message = "is empty"
        rejected.append(RowRejection(row, column, id_, order_number, VALIDATION_ERROR, message))
    return rejected


def status_day(day: date, tz: ZoneInfo) -> StatusDay:
    """`day` in `tz`, from the midnight it starts to the next one."""
    start = datetime.combine(day, time(), tzinfo=tz)
    end = datetime.combine(day + timedelta(days=1), time(), tzinfo=tz)
    return StatusDay(start.astimezone(UTC), end.astimezone(UTC))


def _upload_row(row: int, parsed: CsvRow, tz: ZoneInfo) -> UploadRow:
    day = parsed.status_date()
    target = dataclasses.replace(
        target_of(parsed),
        shipment_receipt=parsed.shipment_receipt,
        status_day=None if day is None else status_day(day, tz),
    )
    return UploadRow(row=row, id=parsed.id, order_number=parsed.order_id, target=target)


def read_upload(
    data: bytes, filename: str | None, tz: ZoneInfo, contract: Contract
) -> tuple[list[UploadRow], list[RowRejection]]:
    """The valid rows of a change-status CSV, read as `contract` reads them, and the reasons
    the others are invalid."""
    text = _text(data, filename)
    first_line = next((line for line in text.splitlines() if line.strip()), "")
    reader = csv.reader(
        io.StringIO(text, newline=""), delimiter=_separator(first_line), strict=True
    )
    names: list[str] | None = None
    rows: list[UploadRow] = []
    invalid: list[RowRejection] = []
    try:
        for number, cells in enumerate(reader, start=1):
            if not any(c.strip() for c in cells):
                continue  # blank lines, and rows of empty cells
            if names is None:
                names = _header(cells, contract)
                continue
            if len(rows) + len({r.row for r in invalid}) >= MAX_IDS:
                raise InvalidCsv(f"more than {MAX_IDS:,} rows; split the file")
            _read_row(number, names, cells, tz, ROW_MODELS[contract], rows, invalid)
    except csv.Error as exc:
        raise InvalidCsv(f"line {reader.line_num}: {exc}") from None
    if names is None or not (rows or invalid):
        raise InvalidCsv("the file has a header but no rows" if names else "the file is empty")
    return rows, invalid


def _read_row(
    number: int,
    names: list[str],
    cells: list[str],
    tz: ZoneInfo,
    model: type[CsvRow],
    rows: list[UploadRow],
    invalid: list[RowRejection],
) -> None:
    extra = [c for c in cells[len(names) :] if c.strip()]
    values = {n: c.strip() for n, c in zip(names, cells, strict=False) if n}
    if extra:
        invalid.append(
            RowRejection(
                number,
                None,
                None,
                values.get("order_id") or None,
                VALIDATION_ERROR,
                f"{len(cells)} cells but the header names {len(names)} columns",
            )
        )
        return
    present = {n: v for n, v in values.items() if v}
    for name in _ENUM_COLUMNS:
        if name in present:
            present[name] = present[name].lower()
    if not any(c in present for c in ORDER_COLUMNS):
        invalid.append(
            RowRejection(
                number,
                _order_column(names),
                None,
                None,
                VALIDATION_ERROR,
                "is empty: give the order_id or the id of the order",
            )
        )
        return
    try:
        parsed = model.model_validate(present, context={"tz": tz})
    except ValidationError as error:
        invalid.extend(_row_errors(number, values, error))
        return
    rows.append(_upload_row(number, parsed, tz))


def _model_column(error_type: str) -> str:
    """The column a whole-row error is about: the date's, or the status's."""
    return "day" if error_type == "date" else "status"


def _order_column(names: list[str]) -> str:
    """The column that names orders in this file (order_id when it has both)."""
    return "order_id" if "order_id" in names else "id"
