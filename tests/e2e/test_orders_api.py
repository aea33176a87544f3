"""Creating and reading orders over HTTP, and `GET /v3/me`."""

from __future__ import annotations

import re

import httpx

from orderflow.bootstrap import Container
from tests.builders import make_key, make_tenant

ORDER = {
    "customer": {"name": "Siti", "phone": "+6281234567890", "email": "siti@example.com"},
    "items": [
        {"name": "Kaos Polos", "quantity": 2, "price": "75000.00"},
        {"name": "Stiker", "quantity": 1, "price": "6724.00"},
    ],
    "shipping_cost": "12000.00",
    "payment_method": "bank_transfer",
}


async def test_create_then_change_then_read(
    client: httpx.AsyncClient, container: Container
) -> None:
    tenant = await make_tenant(container)
    created = await client.post("/v3/orders", headers=tenant.headers, json=ORDER)
    assert created.status_code == 201, created.text
    order = created.json()
    assert re.fullmatch(r"\d{6}[A-Z]{6}", order["order_id"])
    assert (order["status"], order["payment_status"]) == ("pending", "unpaid")
    assert (order["subtotal"], order["shipping_cost"], order["total"]) == (
        "156724.00",
        "12000.00",
        "168724.00",
    )
    assert order["items"][0] == {"name": "Kaos Polos", "quantity": 2, "price": "75000.00"}
    assert order["pending_time"] == order["created_at"] and order["draft_time"] is None

    changed = await client.post(
        "/v3/orders/change-status",
        headers=tenant.headers,
        json={"ids": [order["id"]], "status": "confirmed", "payment_status": "paid", "by": "Rina"},
    )
    assert changed.status_code == 200

    read = (await client.get(f"/v3/orders/{order['id']}", headers=tenant.headers)).json()
    assert read["status"] == "confirmed" and read["confirmed_time"] is not None
    assert [(h["status"], h["by"]) for h in read["status_history"]] == [
        ("pending", None),
        ("confirmed", "Rina"),
    ]
    assert [h["status"] for h in read["payment_status_history"]] == ["unpaid", "paid"]
    assert read["last_updated_at"] == read["confirmed_time"] == read["paid_time"]


async def test_an_order_without_payment_method_starts_as_draft(
    client: httpx.AsyncClient, container: Container
) -> None:
    tenant = await make_tenant(container)
    body = {k: v for k, v in ORDER.items() if k != "payment_method"}
    order = (await client.post("/v3/orders", headers=tenant.headers, json=body)).json()
    assert order["status"] == "draft" and "payment_method" not in order


async def test_bad_orders_are_400(client: httpx.AsyncClient, container: Container) -> None:
    tenant = await make_tenant(container)
    for bad, field in [
        ({**ORDER, "items": []}, "items"),
        ({**ORDER, "shipping_cost": "-1"}, "shipping_cost"),
        ({**ORDER, "items": [{"name": "x", "quantity": 1, "price": "1.234"}]}, "items.0.price"),
        ({**ORDER, "items": [{"name": "x", "quantity": 0, "price": "1"}]}, "items.0.quantity"),
        ({**ORDER, "customer": {"name": ""}}, "customer.name"),
        ({**ORDER, "payment_method": "cash"}, "payment_method"),
    ]:
        response = await client.post("/v3/orders", headers=tenant.headers, json=bad)
        assert response.status_code == 400, bad
        assert field in response.json()["errors"], response.json()


async def test_scopes_are_enforced_per_route(
    client: httpx.AsyncClient, container: Container
) -> None:
    tenant = await make_tenant(container)
    reader = {"Authorization": f"Bearer {await make_key(container, tenant, 'order:read')}"}
    assert (await client.post("/v3/orders", headers=reader, json=ORDER)).status_code == 403
    creator = {"Authorization": f"Bearer {await make_key(container, tenant, 'order:create')}"}
    created = await client.post("/v3/orders", headers=creator, json=ORDER)
    assert created.status_code == 201
    order_id = created.json()["id"]
    assert (await client.get(f"/v3/orders/{order_id}", headers=creator)).status_code == 403
    assert (await client.get(f"/v3/orders/{order_id}", headers=reader)).status_code == 200


async def test_me_is_the_keys_authenticated_identity(
    client: httpx.AsyncClient, container: Container
) -> None:
    tenant = await make_tenant(container, "Toko Siti")
    key = await make_key(container, tenant, "order:read", "order:list")
    me = (await client.get("/v3/me", headers={"Authorization": f"Bearer {key}"})).json()
    assert me == {
        "auth_method": "api_key",
        "user": None,
        "oauth_application": None,
        "connected_businesses": [
            {
                "unique_id": str(tenant.business_id),
                "username": "toko-siti",
                "name": "Toko Siti",
                "is_enabled": True,
                "scopes": ["order:list", "order:read"],
            }
        ],
    }


async def test_unknown_route_and_bad_path_are_json_errors(
    client: httpx.AsyncClient, container: Container
) -> None:
    tenant = await make_tenant(container)
    missing = await client.get("/v3/nothing", headers=tenant.headers)
    assert missing.status_code == 404 and missing.json()["error_code"] == "not_found"
    # an order id is a UUID or a number: anything else names no order, nor does a number past
    # the largest id
    bad = await client.get("/v3/orders/abc", headers=tenant.headers)
    assert bad.status_code == 404 and bad.json()["error_code"] == "not_found"
    huge = await client.get(f"/v3/orders/{2**63}", headers=tenant.headers)
    assert huge.status_code == 404 and huge.json()["error_code"] == "not_found"
