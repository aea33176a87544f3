"""Scalev's `GET /v3/orders/statistics`: how many orders, and their gross revenue, per status and
per day, week or month, for the list's filters (the console's tab counts come from here)."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field
from pydantic.json_schema import SkipJsonSchema
from starlette.responses import Response

from orderflow.api.deps import StatisticsActor, UowFactoryDep
from orderflow.api.openapi import READING, error_responses
from orderflow.api.order_filters import OrderFilterDep
from orderflow.api.responses import OrjsonResponse
from orderflow.api.time_zones import DEFAULT_TZ, TIME_ZONES, zone_named
from orderflow.domain.lifecycle import STATUS_TIME_FIELDS, OrderStatus
from orderflow.services.order_queries import order_statistics
from orderflow.services.records import StatisticsQuery, StatisticsRow

router = APIRouter(prefix="/v3/orders", tags=["orders"])


class DatetimeType(StrEnum):
    """Scalev's names for the time that places an order in a period."""

    DRAFT_TIME = "draft_time"
    PENDING_TIME = "pending_time"
    CONFIRMED_TIME = "confirmed_time"
    IN_PROCESS_TIME = "in_process_time"
    READY_TIME = "ready_time"
    CANCELED_TIME = "canceled_time"
    SHIPPED_TIME = "shipped_time"
    SHIPPED_RTS_TIME = "shipped_rts_time"
    COMPLETED_TIME = "completed_time"
    RTS_TIME = "rts_time"
    CLOSED_TIME = "closed_time"


def time_field(kind: DatetimeType) -> str:
    """The order's column for `kind`: Scalev's `shipped_rts_time` is when it was shipped (an
    order returned to sender was shipped first)."""
    field = "shipped_time" if kind is DatetimeType.SHIPPED_RTS_TIME else kind.value
    assert field in STATUS_TIME_FIELDS
    return field


class DateBreakdown(StrEnum):
    OFF = "off"
    DAY = "day"
    WEEK = "week"
    MONTH = "month"


class Flag(StrEnum):
    TRUE = "true"
    FALSE = "false"


class StatisticsItem(BaseModel):
    """Orders counted together: per status and/or per period, as asked."""

    count: int
    gross_revenue: float = Field(description="The sum of the orders' totals")
    status: OrderStatus | SkipJsonSchema[None] = Field(
        default=None, description="With is_breakdown_status=true"
    )
    day: str | SkipJsonSchema[None] = Field(
        default=None, description="With breakdown_date=day: YYYY-MM-DD in `tz`"
    )
    week: str | SkipJsonSchema[None] = Field(
        default=None, description="With breakdown_date=week: its Monday, YYYY-MM-DD in `tz`"
    )
    month: str | SkipJsonSchema[None] = Field(
        default=None, description="With breakdown_date=month: YYYY-MM in `tz`"
    )


class StatisticsResponse(BaseModel):
    """Every group in one answer (the v3 paginated shape, with no further page)."""

    data: list[StatisticsItem]
    is_paginated: Literal[True] = True
    has_next: Literal[False] = False
    has_previous: Literal[False] = False
    next_cursor: None = None
    previous_cursor: None = None
    page_size: int = Field(description="The number of groups")


def _item(row: StatisticsRow, breakdown: DateBreakdown) -> dict[str, Any]:
    item: dict[str, Any] = {"count": row.count, "gross_revenue": float(row.gross_revenue)}
    if row.status is not None:
        item["status"] = row.status.value
    if row.period is not None:
        text = row.period.isoformat()
        item[breakdown.value] = text[:7] if breakdown is DateBreakdown.MONTH else text
    return item


@router.get(
    "/statistics",
    operation_id="getOrderStatistics",
    response_model=StatisticsResponse,
    summary="Count orders per status and period",
    responses=error_responses(*READING),
)
async def statistics(
    where: OrderFilterDep,
    actor: StatisticsActor,
    uow_factory: UowFactoryDep,
    is_breakdown_status: Annotated[
        Flag, Query(description="One item per status (default false)")
    ] = Flag.FALSE,
    breakdown_date: Annotated[
        DateBreakdown, Query(description="One item per day, week or month (default off)")
    ] = DateBreakdown.OFF,
    datetime_type: Annotated[
        DatetimeType,
        Query(
            description="Which time places an order in a period: when it entered that status "
            "(orders that never did are not counted in a date breakdown)"
        ),
    ] = DatetimeType.DRAFT_TIME,
    tz: Annotated[
        str,
        Query(description="IANA time zone of the periods", json_schema_extra={"enum": TIME_ZONES}),
    ] = DEFAULT_TZ,
) -> Response:
    """How many orders match the list's filters, and their gross revenue, per status and/or per
    day, week or month (scope `order:statistics:read`)."""
    zone_named(tz)
    query = StatisticsQuery(
        where=where,
        by_status=is_breakdown_status is Flag.TRUE,
        period=None if breakdown_date is DateBreakdown.OFF else breakdown_date.value,
        time_field=time_field(datetime_type),
        tz=tz,
    )
    rows = await order_statistics(uow_factory, actor, query)
    data = [_item(row, breakdown_date) for row in rows]
    return OrjsonResponse(
        {
            "data": data,
            "is_paginated": True,
            "has_next": False,
            "has_previous": False,
            "next_cursor": None,
            "previous_cursor": None,
            "page_size": len(data),
        }
    )
