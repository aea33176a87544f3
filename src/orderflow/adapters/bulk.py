"""A table of values for set-based SQL: one bound parameter set for N rows, on either database.

PostgreSQL reads the rows from `unnest()` over one typed array per column; SQLite reads them from
`json_each()` over one JSON document. Either way the statement text does not depend on N, so it is
prepared once and the database does the per-row work.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import orjson

from orderflow.domain.lifecycle import PaymentDetails, Target
from orderflow.services.records import AppliedChange


@dataclass(frozen=True, slots=True)
class BulkColumn:
    name: str
    pg_type: str  # the PostgreSQL element type of the array, e.g. "bigint", "text"


# The payment fields of a change as bulk columns, in `PAYMENT_FIELDS` order (see payment_values).
PAYMENT_COLUMNS = (
    BulkColumn("payment_method", "text"),
    BulkColumn("financial_entity_id", "bigint"),
    BulkColumn("payment_account_holder", "text"),
    BulkColumn("payment_account_number", "text"),
    BulkColumn("transfer_time", "timestamptz"),
    BulkColumn("transferproof_url", "text"),
    BulkColumn("rtsproof_url", "text"),
)


# What a change's target writes on the order: its payment fields and the tracking number.
DETAIL_COLUMNS = (*PAYMENT_COLUMNS, BulkColumn("shipment_receipt", "text"))
DETAIL_FIELDS = tuple(c.name for c in DETAIL_COLUMNS)


def payment_values(details: PaymentDetails) -> tuple[Any, ...]:
    """The payment fields of a change, in `PAYMENT_FIELDS` order, ready to bind."""
    method = details.payment_method
    return (
        method.value if method is not None else None,
        details.financial_entity_id,
        details.payment_account_holder,
        details.payment_account_number,
        details.transfer_time,
        details.transferproof_url,
        details.rtsproof_url,
    )


def detail_values(target: Target) -> tuple[Any, ...]:
    """What `target` writes on the order, in `DETAIL_COLUMNS` order, ready to bind."""
    return (*payment_values(target.details), target.shipment_receipt)


def one_target(changes: Sequence[AppliedChange]) -> Target | None:
    """The target every change shares (a request's), or None when the rows ask for different
    ones; shared fields are then bound once, not as one array element per row."""
    first = changes[0].target
    return first if all(c.target is first or c.target == first for c in changes) else None


def shared_value_sql(dialect: str, column: BulkColumn) -> str:
    """A value the same for every row, bound once as `:<name>` (typed on PostgreSQL)."""
    if dialect == "postgresql":
        return f"CAST(:{column.name} AS {column.pg_type})"
    return f":{column.name}"


def sqlite_datetime(value: datetime) -> str:
    """The text SQLite stores for an aware datetime (matches `UTCDateTime`)."""
    return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")


def _sqlite_default(value: Any) -> Any:
    if isinstance(value, datetime):
        return sqlite_datetime(value)
    raise TypeError(f"cannot bind {type(value).__name__} in a bulk row")


@functools.cache
def values_sql(dialect: str, columns: tuple[BulkColumn, ...]) -> str:
    """The FROM item `v(<columns>)` reading the rows `values_params` binds (made once)."""
    names = ", ".join(c.name for c in columns)
    if dialect == "postgresql":
        arrays = ", ".join(f"CAST(:bulk_{c.name} AS {c.pg_type}[])" for c in columns)
        return f"unnest({arrays}) AS v({names})"
    fields = ", ".join(f"json_extract(value, '$[{i}]') AS {c.name}" for i, c in enumerate(columns))
    return f"(SELECT {fields} FROM json_each(:bulk_rows)) AS v"


def values_params(
    dialect: str, columns: Sequence[BulkColumn], rows: Sequence[Sequence[Any]]
) -> dict[str, Any]:
    """The parameters of `values_sql` for `rows` (at least one)."""
    if dialect == "postgresql":
        by_column = zip(*rows, strict=True)
        return {f"bulk_{c.name}": list(col) for c, col in zip(columns, by_column, strict=True)}
    document = orjson.dumps(rows, default=_sqlite_default, option=orjson.OPT_PASSTHROUGH_DATETIME)
    return {"bulk_rows": document.decode()}


def values_source(
    dialect: str, columns: Sequence[BulkColumn], rows: Sequence[Sequence[Any]]
) -> tuple[str, dict[str, Any]]:
    """A FROM item `v(<columns>)` over `rows` (at least one), and its parameters."""
    return values_sql(dialect, tuple(columns)), values_params(dialect, columns, rows)
