"""`GET /v3/orders/statistics`: counts and gross revenue per status and per period, on both
databases, validated against Scalev's schema."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import httpx

from orderflow.bootstrap import Container
from tests.builders import make_key, make_orders, make_tenant
from tests.e2e.test_scalev_contract import NEWER, _answer_schema, _check, _load

URL = "/v3/orders/statistics"


async def _stats(client: httpx.AsyncClient, headers: dict[str, str], **params: str) -> Any:
    response = await client.get(URL, headers=headers, params=params)
    assert response.status_code == 200, response.text
    body = response.json()
    _check(body, _answer_schema(_load(), URL, "get", "200"), NEWER)
    return body


async def test_counts_and_revenue_per_status_for_the_lists_filters(
    client: httpx.AsyncClient, container: Container
) -> None:
    # given 3 pending, 2 shipped and paid orders (162,000.00 each), and another business's
    tenant = await make_tenant(container, contract=NEWER)
    other = await make_tenant(container, "Toko Lain")
    await make_orders(container, tenant, 3)
    await make_orders(container, tenant, 2, status="shipped", payment_status="paid")
    await make_orders(container, other, 4)
    # when the counts per status are asked for
    body = await _stats(client, tenant.headers, is_breakdown_status="true")
    # then each status has its count and revenue, and nothing of the other business
    assert body["data"] == [
        {"count": 3, "gross_revenue": 486000.0, "status": "pending"},
        {"count": 2, "gross_revenue": 324000.0, "status": "shipped"},
    ]
    assert body["is_paginated"] is True and body["has_next"] is False
    # and without a breakdown there is one total; the list's filters apply
    total = await _stats(client, tenant.headers)
    assert total["data"] == [{"count": 5, "gross_revenue": 810000.0}]
    paid = await _stats(client, tenant.headers, payment_status="paid")
    assert paid["data"] == [{"count": 2, "gross_revenue": 324000.0}]
    both = await _stats(client, tenant.headers, status="shipped_rts", is_breakdown_status="true")
    assert [(i["status"], i["count"]) for i in both["data"]] == [("shipped", 2)]


async def test_periods_are_counted_in_the_asked_time_zone(
    client: httpx.AsyncClient, container: Container
) -> None:
    # given orders that became pending at 23:30 and 00:30 Jakarta time on 21/22 November (UTC+7),
    # and one in December
    tenant = await make_tenant(container, contract=NEWER)
    await make_orders(container, tenant, 1, created_at=datetime(2026, 11, 21, 16, 30, tzinfo=UTC))
    await make_orders(container, tenant, 2, created_at=datetime(2026, 11, 21, 17, 30, tzinfo=UTC))
    await make_orders(container, tenant, 1, created_at=datetime(2026, 12, 2, 3, 0, tzinfo=UTC))
    # when they are counted per day of pending_time, in Jakarta and in UTC
    jakarta = await _stats(
        client, tenant.headers, breakdown_date="day", datetime_type="pending_time"
    )
    utc = await _stats(
        client, tenant.headers, breakdown_date="day", datetime_type="pending_time", tz="UTC"
    )
    # then the day boundary is Jakarta's, or UTC's
    assert [(i["day"], i["count"]) for i in jakarta["data"]] == [
        ("2026-11-21", 1),
        ("2026-11-22", 2),
        ("2026-12-02", 1),
    ]
    assert [(i["day"], i["count"]) for i in utc["data"]] == [("2026-11-21", 3), ("2026-12-02", 1)]
    # and per week (from Monday) and month, with the status too
    weeks = await _stats(
        client, tenant.headers, breakdown_date="week", datetime_type="pending_time"
    )
    # (21 and 22 November 2026 are a Saturday and a Sunday: one week, from Monday the 16th)
    assert [(i["week"], i["count"]) for i in weeks["data"]] == [
        ("2026-11-16", 3),
        ("2026-11-30", 1),
    ]
    months = await _stats(
        client,
        tenant.headers,
        breakdown_date="month",
        datetime_type="pending_time",
        is_breakdown_status="true",
    )
    assert [(i["month"], i["status"], i["count"]) for i in months["data"]] == [
        ("2026-11", "pending", 3),
        ("2026-12", "pending", 1),
    ]
    # and orders that never had the asked status are not in any period
    drafts = await _stats(client, tenant.headers, breakdown_date="day")
    assert drafts["data"] == []


async def test_statistics_need_their_scope_and_refuse_unknown_values(
    client: httpx.AsyncClient, container: Container
) -> None:
    tenant = await make_tenant(container, contract=NEWER)
    lister = await make_key(container, tenant, "order:list")
    counter = await make_key(container, tenant, "order:statistics:read")
    refused = await client.get(URL, headers={"Authorization": f"Bearer {lister}"})
    assert refused.status_code == 403
    allowed = await client.get(URL, headers={"Authorization": f"Bearer {counter}"})
    assert allowed.status_code == 200, allowed.text
    for params, field in [
        ({"breakdown_date": "year"}, "breakdown_date"),
        ({"tz": "Mars/Olympus"}, "tz"),
        ({"datetime_type": "created_at"}, "datetime_type"),
        ({"created_until": "yesterday"}, "created_until"),
    ]:
        bad = await client.get(URL, headers=tenant.headers, params=params)
        assert bad.status_code == 400 and field in bad.json()["errors"], bad.text
