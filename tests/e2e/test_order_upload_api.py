"""`POST /v3/orders/upload-change-status`: spreadsheets in, the same lifecycle, errors by row."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from sqlalchemy import select

from orderflow.adapters.tables import orders
from orderflow.bootstrap import Container
from tests.builders import Tenant, make_key, make_orders, make_tenant, order_numbers

URL = "/v3/orders/upload-change-status"


async def _state(container: Container, ids: list[int]) -> list[tuple[str, str]]:
    async with container.engine.connect() as conn:
        rows = await conn.execute(
            select(orders.c.id, orders.c.status, orders.c.payment_status).where(
                orders.c.id.in_(ids)
            )
        )
        by_id = {r[0]: (r[1], r[2]) for r in rows}
    return [by_id[i] for i in ids]


async def _upload(
    client: httpx.AsyncClient,
    tenant: Tenant,
    content: str | bytes,
    *,
    filename: str = "orders.csv",
    data: dict[str, str] | None = None,
    **params: Any,
) -> httpx.Response:
    raw = content.encode() if isinstance(content, str) else content
    return await client.post(
        URL,
        headers=tenant.headers,
        files={"file": (filename, raw, "text/csv")},
        data=data or {},
        params=params,
    )


async def test_rows_with_different_targets_from_a_spreadsheet_export(
    client: httpx.AsyncClient, container: Container
) -> None:
    tenant = await make_tenant(container)
    ids = await make_orders(container, tenant, 3)
    a, b, c = await order_numbers(container, ids)
    # given: what Excel writes with an Indonesian locale: BOM, `;`, CRLF, capitals, blank lines
    content = (
        "\ufeffOrder_ID;Status;Payment_Status;payment_method;transfer_time;by\r\n"
        f"{a};Confirmed;paid;bank_transfer;27/11/2026 12:31;kasir\r\n"
        "\r\n"
        f"{b};shipped;;;;gudang\r\n"
        f"{c};canceled;;;;\r\n"
        ";;;;;\r\n"
    )

    response = await _upload(client, tenant, content)

    assert response.status_code == 200, response.text
    body = response.json()
    assert body == {
        "data": [
            {
                "row": 2,
                "id": ids[0],
                "order_id": a,
                "payment_status": "paid",
                "status": "confirmed",
            },
            {
                "row": 4,
                "id": ids[1],
                "order_id": b,
                "payment_status": "unpaid",
                "status": "shipped",
            },
            {
                "row": 5,
                "id": ids[2],
                "order_id": c,
                "payment_status": "unpaid",
                "status": "canceled",
            },
        ],
        "is_paginated": False,
    }
    assert await _state(container, ids) == [
        ("confirmed", "paid"),
        ("shipped", "unpaid"),
        ("canceled", "unpaid"),
    ]
    order = (await client.get(f"/v3/orders/{ids[0]}", headers=tenant.headers)).json()
    assert order["transfer_time"] == "2026-11-27T05:31:00Z"  # 12:31 in Asia/Jakarta
    history = await client.get(f"/v3/orders/{ids[0]}/status-history", headers=tenant.headers)
    assert history.json()["data"][-1]["by"] == "kasir"


@pytest.mark.parametrize(
    ("tz", "cell", "stored"),
    [
        (None, "2026-11-27 12:31", "2026-11-27T05:31:00Z"),
        ("UTC", "2026-11-27 12:31", "2026-11-27T12:31:00Z"),
        ("Asia/Makassar", "27/11/2026 12:31:15", "2026-11-27T04:31:15Z"),
        ("UTC", "2026-11-27T12:31:00+07:00", "2026-11-27T05:31:00Z"),
        (None, "2026-11-27T05:31:00Z", "2026-11-27T05:31:00Z"),
    ],
)
async def test_date_cells_without_offset_are_in_tz(
    client: httpx.AsyncClient, container: Container, tz: str | None, cell: str, stored: str
) -> None:
    tenant = await make_tenant(container)
    [id_] = await make_orders(container, tenant)
    content = f"id,status,payment_status,transfer_time\n{id_},confirmed,paid,{cell}\n"
    data = {"tz": tz} if tz else None
    response = await _upload(client, tenant, content, data=data)
    assert response.status_code == 200, response.text
    order = (await client.get(f"/v3/orders/{id_}", headers=tenant.headers)).json()
    assert order["transfer_time"] == stored


async def test_all_or_nothing_lists_every_problem_by_row_and_column(
    client: httpx.AsyncClient, container: Container
) -> None:
    tenant = await make_tenant(container)
    other = await make_tenant(container, "Toko Lain")
    ids = await make_orders(container, tenant, 3)
    canceled = await make_orders(container, tenant, status="canceled")
    [theirs] = await order_numbers(container, await make_orders(container, other))
    a, b, c = await order_numbers(container, ids)
    [d] = await order_numbers(container, canceled)
    content = (
        "order_id,status,payment_status,transferproof_url\n"
        f"{a},confirmed,paid,https://example.com/p.jpg\n"  # 2: fine
        f"{b},done,,\n"  # 3: unknown status
        f"{c},shipped,refunded,ftp://x\n"  # 4: two bad cells
        f"{d},pending,,\n"  # 5: canceled is terminal
        f"{theirs},confirmed,,\n"  # 6: another business's order
        f"{a},shipped,,\n"  # 7: same order again
        ",confirmed,,\n"  # 8: no order
    )

    response = await _upload(client, tenant, content)

    assert response.status_code == 400, response.text
    body = response.json()
    assert body["error_code"] == "validation_error"
    assert body["error"] == "6 of 7 rows cannot be applied; nothing was changed"
    got = [(r["row"], r["column"], r["error_code"]) for r in body["rejected"]]
    assert got == [
        (3, "status", "validation_error"),
        (4, "payment_status", "validation_error"),
        (4, "transferproof_url", "validation_error"),
        (5, "status", "invalid_transition"),
        (6, "order_id", "order_not_found"),
        (7, "order_id", "duplicate_order"),
        (8, "order_id", "validation_error"),
    ]
    assert body["rejected"][3]["id"] == canceled[0] and body["rejected"][3]["order_id"] == d
    assert "row 2" in body["rejected"][5]["error"]
    assert await _state(container, [*ids, *canceled]) == [("pending", "unpaid")] * 3 + [
        ("canceled", "unpaid")
    ]


async def test_a_refused_transition_alone_fails_the_whole_file(
    client: httpx.AsyncClient, container: Container
) -> None:
    tenant = await make_tenant(container)
    ids = await make_orders(container, tenant, 2)
    [done] = await make_orders(container, tenant, status="completed", payment_status="settled")
    content = (
        f"id,status,payment_status\n{ids[0]},confirmed,\n{done},shipped,unpaid\n{ids[1]},ready,\n"
    )
    response = await _upload(client, tenant, content)
    assert response.status_code == 400
    body = response.json()
    assert body["error_code"] == "invalid_transition"
    assert [(r["row"], r["column"], r["id"]) for r in body["rejected"]] == [
        (3, "payment_status", done)
    ]
    assert await _state(container, ids) == [("pending", "unpaid")] * 2


async def test_skip_applies_the_valid_rows_and_dry_run_changes_nothing(
    client: httpx.AsyncClient, container: Container
) -> None:
    tenant = await make_tenant(container)
    ids = await make_orders(container, tenant, 2)
    content = f"id,status\n{ids[0]},confirmed\n{ids[1]},completed\n999999,shipped\n"

    dry = await _upload(client, tenant, content, on_error="skip", dry_run="true")
    assert dry.status_code == 200
    assert [r["id"] for r in dry.json()["data"]] == [ids[0]]
    assert await _state(container, ids) == [("pending", "unpaid")] * 2

    applied = await _upload(client, tenant, content, on_error="skip")
    assert applied.status_code == 200
    body = applied.json()
    assert [(r["row"], r["status"]) for r in body["data"]] == [(2, "confirmed")]
    assert [(r["row"], r["column"], r["error_code"]) for r in body["rejected"]] == [
        (3, "status", "invalid_transition"),
        (4, "id", "order_not_found"),
    ]
    assert await _state(container, ids) == [("confirmed", "unpaid"), ("pending", "unpaid")]

    all_bad = await _upload(client, tenant, "id,status\n999999,shipped\n", dry_run="true")
    assert all_bad.status_code == 400 and all_bad.json()["error_code"] == "order_not_found"


async def test_ten_thousand_rows_in_one_upload(
    client: httpx.AsyncClient, container: Container
) -> None:
    tenant = await make_tenant(container)
    ids = await make_orders(container, tenant, 10_000)
    numbers = await order_numbers(container, ids)
    lines = [f"{n},{'confirmed' if i % 2 else 'ready'}" for i, n in enumerate(numbers)]
    response = await _upload(client, tenant, "order_id,status\n" + "\n".join(lines) + "\n")
    assert response.status_code == 200, response.text[:500]
    assert len(response.json()["data"]) == 10_000
    assert set(await _state(container, ids[:2])) == {("ready", "unpaid"), ("confirmed", "unpaid")}

    too_many = "id,status\n" + "1,shipped\n" * 10_001
    refused = await _upload(client, tenant, too_many)
    assert refused.status_code == 400 and refused.json()["error_code"] == "invalid_csv"


@pytest.mark.parametrize(
    ("content", "filename", "reason"),
    [
        (b"", "orders.csv", "empty"),
        (b"\n\n", "orders.csv", "empty"),
        (b"order_id,status\n\n", "orders.csv", "no rows"),
        (b"261127QWERTY,confirmed\n", "orders.csv", "header"),
        (b"order_id,status,colour\nX,confirmed,red\n", "orders.csv", "unknown columns: colour"),
        (b"order_id,order_id,status\nX,X,confirmed\n", "orders.csv", "named twice"),
        (b"order_id,by\nX,kasir\n", "orders.csv", "status column"),
        (b"status,by\nconfirmed,kasir\n", "orders.csv", "order_id or an id"),
        (b"PK\x03\x04\x14\x00\x06\x00", "orders.xlsx", "Excel"),
        (b"order_id,status\nX,confirmed\n", "orders.xlsx", "spreadsheet file"),
        (b"order_id,status\nCAF\xc9,confirmed\n", "orders.csv", "UTF-8"),
        (b"order_id,status\n\x00\x01\x02", "orders.csv", "binary"),
        (b'order_id,status\n"X,confirmed\n', "orders.csv", "line"),
    ],
)
async def test_files_that_are_not_a_change_status_csv_are_400(
    client: httpx.AsyncClient, container: Container, content: bytes, filename: str, reason: str
) -> None:
    tenant = await make_tenant(container)
    response = await _upload(client, tenant, content, filename=filename)
    assert response.status_code == 400, response.text
    body = response.json()
    assert body["error_code"] == "invalid_csv", body
    assert reason in body["errors"]["file"][0]


async def test_size_limits(client: httpx.AsyncClient, container: Container) -> None:
    tenant = await make_tenant(container)
    padding = "#" * 1000
    over_5 = "id,status,by\n" + f"1,shipped,{padding}\n" * 5300  # ~5.1 MiB
    response = await _upload(client, tenant, over_5)
    assert response.status_code == 400 and "5 MiB" in response.json()["errors"]["file"][0]
    over_6 = over_5 * 2
    assert (await _upload(client, tenant, over_6)).status_code == 413


async def test_bad_form_fields_are_400(client: httpx.AsyncClient, container: Container) -> None:
    tenant = await make_tenant(container)
    no_file = await client.post(URL, headers=tenant.headers, data={"tz": "UTC"})
    assert no_file.status_code == 400 and "file" in no_file.json()["errors"]
    bad_tz = await _upload(client, tenant, "id,status\n1,shipped\n", data={"tz": "Mars/Olympus"})
    assert bad_tz.status_code == 400 and "tz" in bad_tz.json()["errors"]
    as_json = await client.post(URL, headers=tenant.headers, json={"ids": [1]})
    assert as_json.status_code == 400


async def test_rows_only_reach_the_callers_orders_and_need_the_scope(
    client: httpx.AsyncClient, container: Container
) -> None:
    tenant = await make_tenant(container)
    other = await make_tenant(container, "Toko Lain")
    theirs = await make_orders(container, other)
    content = f"id,status\n{theirs[0]},confirmed\n"
    response = await _upload(client, tenant, content, on_error="skip")
    assert response.status_code == 200
    assert response.json()["rejected"][0]["error_code"] == "order_not_found"
    assert await _state(container, theirs) == [("pending", "unpaid")]
    reader = await make_key(container, tenant, "order:read", "order:list")
    forbidden = await client.post(
        URL,
        headers={"Authorization": f"Bearer {reader}"},
        files={"file": ("o.csv", content.encode(), "text/csv")},
    )
    assert forbidden.status_code == 403


async def test_id_and_order_id_must_agree(client: httpx.AsyncClient, container: Container) -> None:
    tenant = await make_tenant(container)
    ids = await make_orders(container, tenant, 2)
    a, _ = await order_numbers(container, ids)
    content = f"id,order_id,status\n{ids[0]},{a},confirmed\n{ids[1]},{a},confirmed\n"
    response = await _upload(client, tenant, content, on_error="skip")
    body = response.json()
    assert [r["id"] for r in body["data"]] == [ids[0]]
    assert [(r["row"], r["column"]) for r in body["rejected"]] == [(3, "order_id")]
    extra = await _upload(client, tenant, f"id,status\n{ids[1]},confirmed,surprise\n")
    assert extra.status_code == 400
    assert extra.json()["rejected"][0]["error"] == "3 cells but the header names 2 columns"
