"""Tracking numbers and status dates from Scalev's change-status template, and where they show."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta

import httpx
from sqlalchemy import select

from orderflow.adapters.tables import outbox
from orderflow.bootstrap import Container
from tests.builders import Tenant, make_orders, make_tenant, order_numbers
from tests.outbox_events import outbox_events

URL = "/v3/orders/upload-change-status"
# make_orders' orders are created at 2026-11-20 03:00 UTC (10:00 in Jakarta).
CREATED = datetime(2026, 11, 20, 3, 0, tzinfo=UTC)


async def _upload(
    client: httpx.AsyncClient, tenant: Tenant, content: str, **params: str
) -> httpx.Response:
    return await client.post(
        URL,
        headers=tenant.headers,
        files={"file": ("manifest.csv", content.encode(), "text/csv")},
        data={"tz": "Asia/Jakarta"},
        params=params,
    )


def _time(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


async def test_the_template_sets_tracking_numbers_and_status_dates(
    client: httpx.AsyncClient, container: Container
) -> None:
    # given three confirmed orders
    tenant = await make_tenant(container)
    ids = await make_orders(container, tenant, 3, status="confirmed")
    a, b, c = await order_numbers(container, ids)
    before = datetime.now(UTC)

    # when the courier's manifest is uploaded: a date, the order's own creation day, no date
    response = await _upload(
        client,
        tenant,
        "order_id,status,shipment_receipt,day,month,year\n"
        f"{a},shipped,JNE0001,28,11,2026\n"
        f"{b},shipped,JNE0002,20,11,2026\n"
        f"{c},shipped,,,,\n",
    )

    # then each order is shipped with its tracking number, at the day's start in Jakarta
    assert response.status_code == 200, response.text
    shown = [(await client.get(f"/v3/orders/{i}", headers=tenant.headers)).json() for i in ids]
    assert [o["shipment_receipt"] for o in shown] == ["JNE0001", "JNE0002", None]
    assert _time(shown[0]["shipped_time"]) == datetime(2026, 11, 27, 17, 0, tzinfo=UTC)
    assert _time(shown[1]["shipped_time"]) == CREATED  # that day, but not before it was made
    assert _time(shown[2]["shipped_time"]) >= before  # blank: the time of the upload
    # and the history row carries the number and the date
    history = await client.get(f"/v3/orders/{ids[0]}/status-history", headers=tenant.headers)
    last = history.json()["data"][-1]
    assert (last["kind"], last["to_status"], last["shipment_receipt"]) == (
        "status",
        "shipped",
        "JNE0001",
    )
    assert _time(last["time"]) == datetime(2026, 11, 27, 17, 0, tzinfo=UTC)
    timeline = shown[0]["status_history"]
    assert timeline[-1]["status"] == "shipped"
    assert _time(timeline[-1]["time"]) == datetime(2026, 11, 27, 17, 0, tzinfo=UTC)
    # and the status event says when the order entered the status
    async with container.engine.connect() as conn:
        events = await outbox_events(conn, outbox.c.order_id == ids[0])
    shipped = [e.data for e in events if e.event_type == "order.status_changed"]
    assert shipped[-1]["shipped_time"] == "2026-11-27T17:00:00Z"


async def test_the_list_the_export_and_search_find_a_tracking_number(
    client: httpx.AsyncClient, container: Container
) -> None:
    tenant = await make_tenant(container)
    ids = await make_orders(container, tenant, 3, status="confirmed")
    a, b, _ = await order_numbers(container, ids)
    uploaded = await _upload(
        client,
        tenant,
        f"order_id,status,shipment_receipt\n{a},shipped,JNE0001\n{b},shipped,SICEPAT77\n",
    )
    assert uploaded.status_code == 200, uploaded.text

    exact = await client.get(
        "/v3/orders", headers=tenant.headers, params={"shipment_receipt": "JNE0001"}
    )
    assert [o["id"] for o in exact.json()["data"]] == [ids[0]]
    assert exact.json()["data"][0]["shipment_receipt"] == "JNE0001"
    partial = await client.get(
        "/v3/orders",
        headers=tenant.headers,
        params={"search": "cepat", "search_field": "shipment_receipt"},
    )
    assert [o["id"] for o in partial.json()["data"]] == [ids[1]]
    by_number = await client.get(
        "/v3/orders", headers=tenant.headers, params={"search": a, "search_field": "order_id"}
    )
    assert [o["id"] for o in by_number.json()["data"]] == [ids[0]]
    unknown = await client.get(
        "/v3/orders", headers=tenant.headers, params={"search": "x", "search_field": "external_id"}
    )
    assert unknown.status_code == 400 and "search_field" in str(unknown.json()["errors"])
    exported = await client.get("/v3/orders/export", headers=tenant.headers)
    rows = list(csv.DictReader(io.StringIO(exported.text)))
    assert {r["order_id"]: r["shipment_receipt"] for r in rows} == {
        a: "JNE0001",
        b: "SICEPAT77",
        _: "",
    }
    counted = await client.get(
        "/v3/orders/statistics", headers=tenant.headers, params={"shipment_receipt": "SICEPAT77"}
    )
    assert counted.json()["data"][0]["count"] == 1


async def test_a_new_tracking_number_alone_is_an_update_with_its_event(
    client: httpx.AsyncClient, container: Container
) -> None:
    # given a shipped order with a tracking number
    tenant = await make_tenant(container)
    [id_] = await make_orders(container, tenant, status="confirmed")
    [number] = await order_numbers(container, [id_])
    first = await _upload(
        client, tenant, f"order_id,status,shipment_receipt\n{number},shipped,JNE1\n"
    )
    assert first.status_code == 200, first.text

    # when the courier re-labels it (the status stays), and then a row leaves the number blank
    relabel = await _upload(
        client, tenant, f"order_id,status,shipment_receipt\n{number},shipped,JNE2\n"
    )
    blank = await _upload(client, tenant, f"order_id,status,shipment_receipt\n{number},shipped,\n")

    # then the number changes once, as an update of its details, with an order.updated event
    assert relabel.status_code == blank.status_code == 200
    order = (await client.get(f"/v3/orders/{id_}", headers=tenant.headers)).json()
    assert (order["status"], order["shipment_receipt"]) == ("shipped", "JNE2")
    history = (await client.get(f"/v3/orders/{id_}/status-history", headers=tenant.headers)).json()
    kinds = [(h["kind"], h["to_status"], h["shipment_receipt"]) for h in history["data"]]
    assert kinds[-2:] == [("status", "shipped", "JNE1"), ("details", "shipped", "JNE2")]
    async with container.engine.connect() as conn:
        types = (
            await conn.execute(
                select(outbox.c.event_type, outbox.c.sequence)
                .where(outbox.c.order_id == id_)
                .order_by(outbox.c.id)
            )
        ).all()
    assert [t for t, _ in types] == ["order.status_changed", "order.updated"]
    assert [s for _, s in types] == [2, 3]  # numbered with the order's other events


async def test_a_status_date_in_the_future_or_before_the_order_is_refused_by_row(
    client: httpx.AsyncClient, container: Container
) -> None:
    tenant = await make_tenant(container)
    ids = await make_orders(container, tenant, 3, status="confirmed")
    a, b, c = await order_numbers(container, ids)
    tomorrow = datetime.now(UTC) + timedelta(days=2)

    refused = await _upload(
        client,
        tenant,
        "order_id,status,shipment_receipt,day,month,year\n"
        f"{a},shipped,JNE1,{tomorrow.day},{tomorrow.month},{tomorrow.year}\n"
        f"{b},shipped,JNE2,19,11,2026\n"
        f"{c},shipped,JNE3,28,11,2026\n",
    )

    assert refused.status_code == 400, refused.text
    body = refused.json()
    assert body["error_code"] == "invalid_status_time"
    assert [(r["row"], r["column"], r["error"]) for r in body["rejected"]] == [
        (2, "day", "the status date is in the future"),
        (3, "day", "the status date is before the order was created"),
    ]
    states = [(await client.get(f"/v3/orders/{i}", headers=tenant.headers)).json() for i in ids]
    assert all(s["status"] == "confirmed" and s["shipment_receipt"] is None for s in states)
    # with on_error=skip the valid row is applied
    skipped = await _upload(
        client,
        tenant,
        "order_id,status,shipment_receipt,day,month,year\n"
        f"{b},shipped,JNE2,19,11,2026\n{c},shipped,JNE3,28,11,2026\n",
        on_error="skip",
    )
    assert skipped.status_code == 200, skipped.text
    assert [r["row"] for r in skipped.json()["data"]] == [3]
    assert [r["error_code"] for r in skipped.json()["rejected"]] == ["invalid_status_time"]


async def test_an_incomplete_or_impossible_date_is_a_row_error(
    client: httpx.AsyncClient, container: Container
) -> None:
    tenant = await make_tenant(container)
    ids = await make_orders(container, tenant, 3, status="confirmed")
    a, b, c = await order_numbers(container, ids)

    response = await _upload(
        client,
        tenant,
        "order_id,status,day,month,year\n"
        f"{a},shipped,28,,\n"
        f"{b},shipped,31,2,2026\n"
        f"{c},shipped,28,13,2026\n",
    )

    assert response.status_code == 400, response.text
    rejected = response.json()["rejected"]
    assert [(r["row"], r["column"], r["error_code"]) for r in rejected] == [
        (2, "day", "validation_error"),
        (3, "day", "validation_error"),
        (4, "month", "validation_error"),
    ]
    assert "31/2/2026 is not a date" in rejected[1]["error"]
