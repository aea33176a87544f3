"""A table of values for set-based SQL: one bound parameter set for N rows, on either database.

PostgreSQL reads the rows from `unnest()` over one typed array per column; SQLite reads them from
`json_each()` over one JSON document. Either way the statement text does not depend on N, so it is
prepared once and the database does the per-row work.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import orjson


@dataclass(frozen=True, slots=True)
class BulkColumn:
    name: str
    pg_type: str  # the PostgreSQL element type of the array, e.g. "bigint", "text"


def sqlite_datetime(value: datetime) -> str:
    """The text SQLite stores for an aware datetime (matches `UTCDateTime`)."""
    return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")


def _sqlite_default(value: Any) -> Any:
    if isinstance(value, datetime):
        return sqlite_datetime(value)
    raise TypeError(f"cannot bind {type(value).__name__} in a bulk row")


def values_source(
    dialect: str, columns: Sequence[BulkColumn], data: Sequence[Sequence[Any]]
) -> tuple[str, dict[str, Any]]:
    """A FROM item `v(<columns>)` over `data` (one sequence per column), and its parameters."""
    names = ", ".join(c.name for c in columns)
    if dialect == "postgresql":
        arrays = ", ".join(f"CAST(:bulk_{c.name} AS {c.pg_type}[])" for c in columns)
        params = {f"bulk_{c.name}": list(col) for c, col in zip(columns, data, strict=True)}
        return f"unnest({arrays}) AS v({names})", params
    fields = ", ".join(f"json_extract(value, '$[{i}]') AS {c.name}" for i, c in enumerate(columns))
    rows = orjson.dumps(
        list(zip(*data, strict=True)),
        default=_sqlite_default,
        option=orjson.OPT_PASSTHROUGH_DATETIME,
    )
    return f"(SELECT {fields} FROM json_each(:bulk_rows)) AS v", {"bulk_rows": rows.decode()}
