"""Column types that behave the same on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import BigInteger, DateTime, Integer
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator, TypeEngine

from orderflow.adapters.sql_dialect import sql_dialect

# SQLite only auto-increments an INTEGER PRIMARY KEY (the rowid alias), never a BIGINT one.
IdType = BigInteger().with_variant(Integer(), "sqlite")

_CENTS = Decimal(100)


class UTCDateTime(TypeDecorator[datetime]):
    """An aware UTC datetime: `timestamptz` on PostgreSQL, sortable ISO text on SQLite."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime reached the database layer")
        if not sql_dialect(dialect).postgres:
            # SQLite keeps text; store UTC without an offset so the text sorts by time.
            return value.astimezone(UTC).replace(tzinfo=None)
        return value

    def result_processor(
        self, dialect: Dialect, coltype: object
    ) -> Callable[[Any], datetime | None] | None:
        if sql_dialect(dialect).postgres:
            return None  # asyncpg already returns aware datetimes for timestamptz
        parse = self.impl_instance.dialect_impl(dialect).result_processor(dialect, coltype)

        def process(value: Any) -> datetime | None:
            if value is None:
                return None
            parsed = parse(value) if parse else value
            assert isinstance(parsed, datetime)
            return parsed.replace(tzinfo=UTC)

        return process

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        return value  # pragma: no cover - result_processor above does the work


class Money(TypeDecorator[Decimal]):
    """Money (IDR, two decimals) stored exactly as integer cents on every database."""

    impl = BigInteger
    cache_ok = True

    def process_bind_param(self, value: Decimal | None, dialect: Dialect) -> int | None:
        if value is None:
            return None
        return int((value * _CENTS).to_integral_exact())

    def process_result_value(self, value: int | None, dialect: Dialect) -> Decimal | None:
        if value is None:
            return None
        return (Decimal(value) / _CENTS).quantize(Decimal("0.01"))

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        return dialect.type_descriptor(BigInteger())
