"""Counts and gross revenue of a business's orders, per status and per period, in SQL.

PostgreSQL groups by the period itself (`date_trunc` in the asked time zone). SQLite has no time
zones: it groups by quarter-hour of UTC (every time zone's offset is a whole number of quarter
hours), and the quarter hours are added up per local period here, so the database still returns
at most 96 rows a day and status rather than one per order.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import BigInteger, Select, func, type_coerce
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.sql.elements import ColumnElement

from orderflow.adapters.order_listing import matching
from orderflow.adapters.sql_dialect import SqlDialect, sql_dialect
from orderflow.adapters.tables import orders
from orderflow.adapters.tenancy import Scope
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


def statistics_query(dialect: SqlDialect, scope: Scope, query: StatisticsQuery) -> Select[Any]:
    """The one statement that counts what `query` asks (see the module's docstring)."""
    time_column = orders.c[query.time_field]
    keys: list[ColumnElement[Any]] = []
    if query.by_status:
        keys.append(orders.c.status)
    if query.period is not None:
        keys.append(dialect.period_key(time_column, query))
    where = matching(query.where)
    if query.period is not None:
        where.append(time_column.is_not(None))
    return (
        # The total as its stored cents: a sum of integers, made Decimal once per group below.
        scope.select(
            orders,
            *keys,
            func.count(),
            func.coalesce(func.sum(type_coerce(orders.c.total, BigInteger)), 0),
        )
        .where(*where)
        .group_by(*keys)
    )


async def statistics(
    conn: AsyncConnection, scope: Scope, query: StatisticsQuery
) -> list[StatisticsRow]:
    """The orders matching `query.where`, counted as `query` asks."""
    dialect = sql_dialect(conn)
    stmt = statistics_query(dialect, scope, query)
    rows = (await conn.execute(stmt)).all()
    totals: dict[tuple[OrderStatus | None, date | None], list[int]] = defaultdict(lambda: [0, 0])
    zone = ZoneInfo(query.tz)
    for row in rows:
        *key, count, cents = row
        status = _STATUSES[key.pop(0)] if query.by_status else None
        period: date | None = None
        if query.period is not None:
            period = first_day(dialect.period_day(key.pop(0), zone), query.period)
        entry = totals[(status, period)]
        entry[0] += count
        entry[1] += int(cents)  # the Money column holds cents
    return [
        StatisticsRow(count, (Decimal(cents) / 100).quantize(_CENTS), status, period)
        for (status, period), (count, cents) in sorted(
            totals.items(), key=lambda kv: (kv[0][1] or date.min, kv[0][0] or "")
        )
    ]
