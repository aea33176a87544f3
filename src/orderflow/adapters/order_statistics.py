"""Counts and gross revenue of a business's orders, per status and per period, in SQL.

PostgreSQL groups by the period itself (`date_trunc` in the asked time zone). SQLite has no time
zones: it groups by quarter-hour of UTC (every time zone's offset is a whole number of quarter
hours), and the quarter hours are added up per local period here, so the database still returns
at most 96 rows a day and status rather than one per order.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import BigInteger, Integer, Select, cast, func, literal, select, type_coerce
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.sql.elements import ColumnElement

from orderflow.adapters.order_listing import matching
from orderflow.adapters.tables import orders
from orderflow.domain.lifecycle import OrderStatus
from orderflow.services.records import StatisticsQuery, StatisticsRow

_STATUSES = {s.value: s for s in OrderStatus}
_CENTS = Decimal("0.01")


def first_day(day: date, period: str) -> date:
    """The first day of the `period` ("day", "week" from Monday, "month") that holds `day`."""
    if period == "week":
        return day - timedelta(days=day.weekday())
    if period == "month":
        return day.replace(day=1)
    return day


def _pg_period(column: ColumnElement[Any], query: StatisticsQuery) -> ColumnElement[Any]:
    local = func.timezone(literal(query.tz), column)  # timestamptz → the zone's wall clock
    return func.date(func.date_trunc(literal(query.period), local))


def _sqlite_quarter(column: ColumnElement[Any]) -> ColumnElement[Any]:
    minute = cast(func.strftime("%M", column), Integer)
    return func.printf("%s%02d", func.strftime("%Y-%m-%d %H:", column), (minute // 15) * 15)


def statistics_query(dialect: str, business_id: int, query: StatisticsQuery) -> Select[Any]:
    """The one statement that counts what `query` asks (see the module's docstring)."""
    postgres = dialect == "postgresql"
    time_column = orders.c[query.time_field]
    keys: list[ColumnElement[Any]] = []
    if query.by_status:
        keys.append(orders.c.status)
    if query.period is not None:
        keys.append(_pg_period(time_column, query) if postgres else _sqlite_quarter(time_column))
    where = matching(business_id, query.where)
    if query.period is not None:
        where.append(time_column.is_not(None))
    return (
        # The total as its stored cents: a sum of integers, made Decimal once per group below.
        select(
            *keys, func.count(), func.coalesce(func.sum(type_coerce(orders.c.total, BigInteger)), 0)
        )
        .where(*where)
        .group_by(*keys)
    )


async def statistics(
    conn: AsyncConnection, business_id: int, query: StatisticsQuery
) -> list[StatisticsRow]:
    """The orders matching `query.where`, counted as `query` asks."""
    postgres = conn.dialect.name == "postgresql"
    stmt = statistics_query(conn.dialect.name, business_id, query)
    rows = (await conn.execute(stmt)).all()
    totals: dict[tuple[OrderStatus | None, date | None], list[int]] = defaultdict(lambda: [0, 0])
    zone = ZoneInfo(query.tz)
    for row in rows:
        *key, count, cents = row
        status = _STATUSES[key.pop(0)] if query.by_status else None
        period: date | None = None
        if query.period is not None:
            value = key.pop(0)
            if not postgres:  # a UTC quarter hour, "YYYY-MM-DD HH:M"
                stamp, quarter = value.rsplit(":", 1)
                utc = datetime.strptime(stamp, "%Y-%m-%d %H").replace(tzinfo=UTC)
                value = (utc + timedelta(minutes=int(quarter))).astimezone(zone).date()
            period = first_day(value, query.period)
        entry = totals[(status, period)]
        entry[0] += count
        entry[1] += int(cents)  # the Money column holds cents
    return [
        StatisticsRow(count, (Decimal(cents) / 100).quantize(_CENTS), status, period)
        for (status, period), (count, cents) in sorted(
            totals.items(), key=lambda kv: (kv[0][1] or date.min, kv[0][0] or "")
        )
    ]
