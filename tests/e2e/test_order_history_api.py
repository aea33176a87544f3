"""`GET /v3/orders/{id}/status-history`: every applied change, oldest first, with who and how."""

from __future__ import annotations

import httpx

from orderflow.bootstrap import Container
from tests.builders import make_key, make_orders, make_tenant


async def test_history_lists_every_applied_change_oldest_first(
    client: httpx.AsyncClient, container: Container
) -> None:
    tenant = await make_tenant(container)
    changer = await make_key(container, tenant, "order:change_status", "order:read")
    headers = {"Authorization": f"Bearer {changer}"}
    [id_] = await make_orders(container, tenant)
    first = await client.post(
        "/v3/orders/change-status",
        headers={**headers, "X-Request-ID": "req-confirm-1"},
        json={
            "ids": [id_],
            "status": "confirmed",
            "payment_status": "paid",
            "payment_method": "bank_transfer",
            "transfer_time": "2026-11-27T05:31:56Z",
            "transferproof_url": "https://cdn.example.com/t.jpg",
            "by": "kasir@toko",
        },
    )
    assert first.status_code == 200
    again = {"ids": [id_], "status": "confirmed"}  # a no-op leaves no history
    assert (await client.post("/v3/orders/change-status", headers=headers, json=again)).is_success
    shipped = {"ids": [id_], "status": "shipped", "by": "gudang"}
    assert (await client.post("/v3/orders/change-status", headers=headers, json=shipped)).is_success

    response = await client.get(f"/v3/orders/{id_}/status-history", headers=headers)

    assert response.status_code == 200, response.text
    body = response.json()
    assert body["is_paginated"] is False
    created, confirmed, moved = body["data"]
    assert (created["from_status"], created["to_status"]) == (None, "pending")
    assert confirmed == {
        "kind": "status",
        "from_status": "pending",
        "to_status": "confirmed",
        "from_payment_status": "unpaid",
        "to_payment_status": "paid",
        "by": "kasir@toko",
        "api_key_prefix": changer.rsplit("_", 1)[0],
        "request_id": "req-confirm-1",
        "time": confirmed["time"],
        "payment_method": "bank_transfer",
        "financial_entity_id": None,
        "payment_account_holder": None,
        "payment_account_number": None,
        "transfer_time": "2026-11-27T05:31:56Z",
        "transferproof_url": "https://cdn.example.com/t.jpg",
        "rtsproof_url": None,
        "shipment_receipt": None,
        "reverts": None,
        "reverted_by": None,
    }
    assert (moved["from_status"], moved["to_status"], moved["by"]) == (
        "confirmed",
        "shipped",
        "gudang",
    )
    assert moved["from_payment_status"] == moved["to_payment_status"] == "paid"
    assert moved["time"] >= confirmed["time"]


async def test_history_of_another_business_order_is_404(
    client: httpx.AsyncClient, container: Container
) -> None:
    tenant = await make_tenant(container)
    other = await make_tenant(container, "Toko Lain")
    [theirs] = await make_orders(container, other)
    lister = await make_key(container, tenant, "order:list")

    response = await client.get(f"/v3/orders/{theirs}/status-history", headers=tenant.headers)
    assert response.status_code == 404
    assert response.json()["error_code"] == "not_found"
    missing = await client.get("/v3/orders/999999/status-history", headers=tenant.headers)
    assert missing.status_code == 404
    no_scope = await client.get(
        f"/v3/orders/{theirs}/status-history", headers={"Authorization": f"Bearer {lister}"}
    )
    assert no_scope.status_code == 403
