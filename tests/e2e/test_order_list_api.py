"""`GET /v3/orders`: filters, newest-first keyset pagination, cursor checks, tenant isolation."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from orderflow.bootstrap import Container
from tests.builders import Tenant, make_key, make_orders, make_tenant

URL = "/v3/orders"
T0 = datetime(2026, 11, 20, 3, 0, tzinfo=UTC)


async def _list(client: httpx.AsyncClient, tenant: Tenant, **params: Any) -> dict[str, Any]:
    response = await client.get(URL, headers=tenant.headers, params=params)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def _ids(client: httpx.AsyncClient, tenant: Tenant, **params: Any) -> list[int]:
    return [o["id"] for o in (await _list(client, tenant, **params))["data"]]


async def test_newest_first_with_every_field(
    client: httpx.AsyncClient, container: Container
) -> None:
    tenant = await make_tenant(container)
    older = await make_orders(container, tenant, created_at=T0)
    newer = await make_orders(container, tenant, created_at=T0 + timedelta(hours=1))

    body = await _list(client, tenant)

    assert body["is_paginated"] is True
    assert body["next_cursor"] is None and body["previous_cursor"] is None
    assert [o["id"] for o in body["data"]] == newer + older
    first = body["data"][0]
    assert first["customer"] == {
        "name": "Siti",
        "phone": "+6281234567890",
        "email": "siti@example.com",
    }
    assert first["total"] == "162000.00"
    assert first["status"] == "pending" and first["pending_time"] == "2026-11-20T04:00:00Z"
    assert first["created_at"] == "2026-11-20T04:00:00Z"
    assert {"transfer_time", "paid_time", "last_updated_at", "payment_method"} <= set(first)


async def test_filters_by_status_payment_and_time(
    client: httpx.AsyncClient, container: Container
) -> None:
    tenant = await make_tenant(container)
    pending = await make_orders(container, tenant, created_at=T0)
    confirmed = await make_orders(
        container, tenant, status="confirmed", payment_status="paid", created_at=T0 + timedelta(1)
    )
    shipped = await make_orders(
        container, tenant, status="shipped", payment_method="cod", created_at=T0 + timedelta(2)
    )

    assert await _ids(client, tenant, status="confirmed") == confirmed
    assert await _ids(client, tenant, status="pending, SHIPPED") == shipped + pending
    assert await _ids(client, tenant, payment_status="paid") == confirmed
    assert await _ids(client, tenant, payment_method="cod") == shipped
    since = (T0 + timedelta(1)).isoformat()
    assert await _ids(client, tenant, created_since=since) == shipped + confirmed
    assert await _ids(client, tenant, created_until=since) == pending
    jakarta_day = {"created_since": "2026-11-21T00:00:00+07:00", "created_until": "2026-11-22"}
    assert await _ids(client, tenant, **jakarta_day) == confirmed
    assert await _ids(client, tenant, status="pending", payment_method="cod") == []


async def test_search_matches_number_name_phone_and_email(
    client: httpx.AsyncClient, container: Container
) -> None:
    tenant = await make_tenant(container)
    siti = await make_orders(container, tenant, customer_name="Siti Aminah", created_at=T0)
    budi = await make_orders(
        container,
        tenant,
        customer_name="Budi 100%_Jaya",
        customer_phone="+6289900001111",
        customer_email="BUDI@Toko.id",
        created_at=T0 + timedelta(1),
    )
    number = (await _list(client, tenant))["data"][1]["order_id"]

    assert await _ids(client, tenant, search="aminah") == siti
    assert await _ids(client, tenant, search="SITI AM") == siti
    assert await _ids(client, tenant, search="99000011") == budi
    assert await _ids(client, tenant, search="budi@toko") == budi
    assert await _ids(client, tenant, search=number[2:]) == siti
    assert await _ids(client, tenant, search="100%_") == budi
    assert await _ids(client, tenant, search="0%_") == budi
    assert await _ids(client, tenant, search="%_j") == budi
    assert await _ids(client, tenant, search="00%") == budi
    assert await _ids(client, tenant, search="nobody") == []
    assert await _ids(client, tenant, search="   ") == budi + siti


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"status": "pending,done"}, "status"),
        ({"payment_status": "refunded"}, "payment_status"),
        ({"payment_method": "bitcoin"}, "payment_method"),
        ({"created_since": "yesterday"}, "created_since"),
        ({"page_size": 0}, "page_size"),
        ({"page_size": 26}, "page_size"),
        ({"search": "x" * 101}, "search"),
    ],
)
async def test_bad_filters_are_400(
    client: httpx.AsyncClient, container: Container, params: dict[str, Any], field: str
) -> None:
    tenant = await make_tenant(container)
    response = await client.get(URL, headers=tenant.headers, params=params)
    assert response.status_code == 400, response.text
    body = response.json()
    assert body["error_code"] == "validation_error"
    assert field in body["errors"]


async def _walk(
    client: httpx.AsyncClient, tenant: Tenant, direction: str, cursor: str | None, **params: Any
) -> list[list[int]]:
    pages = []
    while cursor is not None:
        body = await _list(client, tenant, **{f"{direction}_cursor": cursor}, **params)
        pages.append([o["id"] for o in body["data"]])
        cursor = body[f"{direction}_cursor"]
    return pages


async def test_pages_forward_and_back_with_ties_on_created_at(
    client: httpx.AsyncClient, container: Container
) -> None:
    tenant = await make_tenant(container)
    ids = await make_orders(container, tenant, 7, created_at=T0)  # same created_at: id breaks ties
    newest_first = sorted(ids, reverse=True)

    first = await _list(client, tenant, page_size=3)
    assert [o["id"] for o in first["data"]] == newest_first[:3]
    assert first["previous_cursor"] is None
    forward = await _walk(client, tenant, "next", first["next_cursor"], page_size=3)
    assert forward == [newest_first[3:6], newest_first[6:]]

    second = await _list(client, tenant, page_size=3, next_cursor=first["next_cursor"])
    last = await _list(client, tenant, page_size=3, next_cursor=second["next_cursor"])
    assert last["next_cursor"] is None
    backward = await _walk(client, tenant, "previous", last["previous_cursor"], page_size=3)
    assert backward == [newest_first[3:6], newest_first[:3]]


async def test_cursors_are_stable_under_inserts_and_status_changes(
    client: httpx.AsyncClient, container: Container
) -> None:
    tenant = await make_tenant(container)
    ids = [
        (await make_orders(container, tenant, created_at=T0 + timedelta(minutes=i)))[0]
        for i in range(6)
    ]
    newest_first = ids[::-1]
    first = await _list(client, tenant, page_size=2, status="pending")
    assert [o["id"] for o in first["data"]] == newest_first[:2]

    # given: new orders arrive and an order of the next page leaves the filter
    new = await make_orders(container, tenant, 3, created_at=T0 + timedelta(days=1))
    changed = await client.post(
        f"{URL}/change-status",
        headers=tenant.headers,
        json={"ids": [newest_first[2]], "status": "confirmed"},
    )
    assert changed.status_code == 200

    # then: the next page continues where the first ended, skipping only the changed order
    second = await _list(
        client, tenant, page_size=2, status="pending", next_cursor=first["next_cursor"]
    )
    assert [o["id"] for o in second["data"]] == newest_first[3:5]
    # and going back returns the first page, then the orders inserted since
    back = await _list(
        client, tenant, page_size=2, status="pending", previous_cursor=second["previous_cursor"]
    )
    assert [o["id"] for o in back["data"]] == newest_first[:2]
    assert back["previous_cursor"] is not None
    newer = await _list(
        client, tenant, page_size=2, status="pending", previous_cursor=back["previous_cursor"]
    )
    assert [o["id"] for o in newer["data"]] == sorted(new, reverse=True)[1:]


def _tamper(cursor: str) -> str:
    payload, signature = cursor.split(".")
    flipped = "A" if payload[-2] != "A" else "B"
    return f"{payload[:-2]}{flipped}{payload[-1]}.{signature}"


async def test_tampered_foreign_and_misused_cursors_are_400(
    client: httpx.AsyncClient, container: Container
) -> None:
    tenant = await make_tenant(container)
    other = await make_tenant(container, "Toko Lain")
    await make_orders(container, tenant, 3)
    await make_orders(container, other, 3)
    cursor = (await _list(client, tenant, page_size=1))["next_cursor"]
    assert cursor is not None

    cases: list[tuple[Tenant, dict[str, Any], str]] = [
        (tenant, {"next_cursor": _tamper(cursor)}, "next_cursor"),
        (tenant, {"next_cursor": cursor + "x"}, "next_cursor"),
        (tenant, {"next_cursor": "not-a-cursor"}, "next_cursor"),
        (tenant, {"next_cursor": "%%%.###"}, "next_cursor"),
        (tenant, {"next_cursor": ""}, "next_cursor"),
        (tenant, {"previous_cursor": cursor}, "previous_cursor"),
        (tenant, {"next_cursor": cursor, "status": "confirmed"}, "next_cursor"),
        (tenant, {"next_cursor": cursor, "search": "siti"}, "next_cursor"),
        (other, {"next_cursor": cursor}, "next_cursor"),
        (tenant, {"next_cursor": cursor, "previous_cursor": cursor}, "previous_cursor"),
    ]
    for who, params, field in cases:
        response = await client.get(URL, headers=who.headers, params={"page_size": 1, **params})
        assert response.status_code == 400, (params, response.text)
        assert field in response.json()["errors"], params


async def test_cursor_signed_with_another_secret_is_400(
    client: httpx.AsyncClient, container: Container
) -> None:
    from orderflow.services.cursors import CursorCodec, Direction
    from orderflow.services.records import Keyset, OrderFilter

    tenant = await make_tenant(container)
    await make_orders(container, tenant, 2)
    forged = CursorCodec("guessed-secret").encode(
        Direction.NEXT, Keyset(T0, 10**6), tenant.business_id, OrderFilter()
    )
    response = await client.get(URL, headers=tenant.headers, params={"next_cursor": forged})
    assert response.status_code == 400
    assert response.json()["error_code"] == "invalid_cursor"


async def test_lists_only_the_callers_orders_and_needs_the_list_scope(
    client: httpx.AsyncClient, container: Container
) -> None:
    tenant = await make_tenant(container)
    other = await make_tenant(container, "Toko Lain")
    mine = await make_orders(container, tenant, 2)
    await make_orders(container, other, 3)
    reader = await make_key(container, tenant, "order:read")

    assert sorted(await _ids(client, tenant)) == mine
    assert len(await _ids(client, other)) == 3
    forbidden = await client.get(URL, headers={"Authorization": f"Bearer {reader}"})
    assert forbidden.status_code == 403
    assert (await client.get(URL)).status_code == 401
