"""`POST /v3/orders/change-status` over HTTP: the contract, its errors and its modes."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest

from orderflow.bootstrap import Container
from orderflow.config import Settings
from tests.builders import make_key, make_orders, make_tenant, serving

URL = "/v3/orders/change-status"


async def test_contract_shape_and_request_order(
    client: httpx.AsyncClient, container: Container
) -> None:
    tenant = await make_tenant(container)
    ids = await make_orders(container, tenant, 3)
    asked = [ids[2], ids[0], ids[2], ids[1]]
    response = await client.post(
        URL,
        headers=tenant.headers,
        json={
            "ids": asked,
            "status": "confirmed",
            "payment_status": "paid",
            "payment_method": "bank_transfer",
            "by": "kasir",
            "transfer_time": "2026-11-27T05:31:56Z",
            "transferproof_url": "https://cdn.example.com/t.jpg",
        },
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["is_paginated"] is False
    assert "rejected" not in body
    assert [item["id"] for item in body["data"]] == [ids[2], ids[0], ids[1]]
    assert set(body["data"][0]) == {"id", "order_id", "payment_status", "status"}
    assert {(i["status"], i["payment_status"]) for i in body["data"]} == {("confirmed", "paid")}
    assert response.headers["content-type"] == "application/json"
    assert response.headers["x-request-id"]


async def _post(client: httpx.AsyncClient, headers: dict[str, str], body: Any) -> httpx.Response:
    return await client.post(URL, headers=headers, json=body)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"ids": [], "status": "confirmed"}, "ids"),
        ({"ids": list(range(1, 10_002)), "status": "confirmed"}, "ids"),
        ({"ids": ["1x"], "status": "confirmed"}, "ids.0"),
        ({"ids": [1.5], "status": "confirmed"}, "ids.0"),
        ({"ids": [True], "status": "confirmed"}, "ids.0"),
        ({"ids": [2**63], "status": "confirmed"}, "ids.0"),
        ({"ids": [0], "status": "confirmed"}, "ids.0"),
        ({"ids": [1]}, "status"),
        ({"ids": [1], "status": "done"}, "status"),
        ({"ids": [1], "status": "paid"}, "status"),
        ({"ids": [1], "status": "confirmed", "payment_status": "refunded"}, "payment_status"),
        ({"ids": [1], "status": "confirmed", "payment_method": "bitcoin"}, "payment_method"),
        ({"ids": [1], "status": "confirmed", "transfer_time": "yesterday"}, "transfer_time"),
        (
            {"ids": [1], "status": "confirmed", "transfer_time": "2026-13-40T00:00:00Z"},
            "transfer_time",
        ),
        ({"ids": [1], "status": "shipped", "rtsproof_url": "ftp://x/y.jpg"}, "rtsproof_url"),
        ({"ids": [1], "status": "shipped", "transferproof_url": "not a url"}, "transferproof_url"),
        (
            {"ids": [1], "status": "shipped", "transferproof_url": "https://x.io/" + "a" * 2048},
            "transferproof_url",
        ),
        ({"ids": [1], "status": "shipped", "by": "x" * 256}, "by"),
        (
            {"ids": [1], "status": "shipped", "payment_account_holder": "x" * 256},
            "payment_account_holder",
        ),
        ({"ids": [1], "status": "shipped", "financial_entity_id": "abc"}, "financial_entity_id"),
        ({"ids": "1,2", "status": "shipped"}, "ids"),
        ([1, 2], "body"),
    ],
)
async def test_bad_input_is_a_400_naming_the_field_and_changes_nothing(
    client: httpx.AsyncClient, container: Container, body: Any, field: str
) -> None:
    tenant = await make_tenant(container)
    await make_orders(container, tenant, 1)
    response = await _post(client, tenant.headers, body)
    assert response.status_code == 400, response.text
    error = response.json()
    assert error["error_code"] == "validation_error"
    assert field in error["errors"], error
    assert isinstance(error["error"], str)
    order = (await client.get("/v3/orders/1", headers=tenant.headers)).json()
    assert order["status"] == "pending"


async def test_malformed_json_is_a_400(client: httpx.AsyncClient, container: Container) -> None:
    tenant = await make_tenant(container)
    response = await client.post(
        URL, headers={**tenant.headers, "content-type": "application/json"}, content=b'{"ids": [1,'
    )
    assert response.status_code == 400
    assert response.json()["error_code"] == "validation_error"


async def test_all_or_nothing_answers_400_with_the_rejected_ids(
    client: httpx.AsyncClient, container: Container
) -> None:
    tenant = await make_tenant(container)
    ids = await make_orders(container, tenant, 2)
    canceled = await make_orders(container, tenant, 1, status="canceled")
    response = await _post(client, tenant.headers, {"ids": [*ids, *canceled], "status": "shipped"})
    assert response.status_code == 400
    body = response.json()
    assert body["error_code"] == "invalid_transition"
    assert body["rejected"] == [
        {
            "id": canceled[0],
            "error_code": "invalid_transition",
            "error": "canceled → shipped is not allowed",
        }
    ]
    response = await _post(client, tenant.headers, {"ids": [*ids, 999_999], "status": "shipped"})
    assert response.json()["error_code"] == "order_not_found"
    for id_ in ids:
        order = (await client.get(f"/v3/orders/{id_}", headers=tenant.headers)).json()
        assert order["status"] == "pending"


async def test_skip_mode_returns_data_and_rejected(
    client: httpx.AsyncClient, container: Container
) -> None:
    tenant = await make_tenant(container)
    ids = await make_orders(container, tenant, 2)
    response = await client.post(
        URL + "?on_error=skip",
        headers=tenant.headers,
        json={"ids": [999_999, *ids], "status": "canceled"},
    )
    assert response.status_code == 200
    body = response.json()
    assert [i["id"] for i in body["data"]] == ids
    assert body["rejected"][0]["id"] == 999_999
    assert body["rejected"][0]["error_code"] == "order_not_found"


async def test_dry_run_changes_nothing(client: httpx.AsyncClient, container: Container) -> None:
    tenant = await make_tenant(container)
    ids = await make_orders(container, tenant, 1)
    response = await client.post(
        URL + "?dry_run=true", headers=tenant.headers, json={"ids": ids, "status": "shipped"}
    )
    assert response.status_code == 200
    assert response.json()["data"][0]["status"] == "shipped"
    assert response.json()["rejected"] == []
    order = (await client.get(f"/v3/orders/{ids[0]}", headers=tenant.headers)).json()
    assert order["status"] == "pending" and order["shipped_time"] is None


@pytest.mark.parametrize("query", ["on_error=maybe", "dry_run=perhaps"])
async def test_bad_query_parameters_are_400(
    client: httpx.AsyncClient, container: Container, query: str
) -> None:
    tenant = await make_tenant(container)
    response = await client.post(
        f"{URL}?{query}", headers=tenant.headers, json={"ids": [1], "status": "shipped"}
    )
    assert response.status_code == 400
    assert response.json()["errors"].keys() == {query.split("=")[0]}


@pytest.mark.parametrize(
    "authorization",
    [None, "Bearer nope", "Basic abc", "Bearer sk_AAAAAAAAAAAA_BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB"],
)
async def test_missing_or_unknown_key_is_401(
    client: httpx.AsyncClient, container: Container, authorization: str | None
) -> None:
    headers = {"Authorization": authorization} if authorization else {}
    response = await _post(client, headers, {"ids": [1], "status": "shipped"})
    assert response.status_code == 401
    assert response.json() == {"error": "Unauthorized", "error_code": "unauthorized"}
    assert response.headers["www-authenticate"] == "Bearer"


async def test_revoked_key_is_401_and_unscoped_key_is_403(settings: Settings) -> None:
    from orderflow.services.access import revoke_api_key

    async with serving(settings.model_copy(update={"auth_cache_s": 0})) as (client, container):
        tenant = await make_tenant(container)
        reader = await make_key(container, tenant, "order:read")
        response = await _post(
            client, {"Authorization": f"Bearer {reader}"}, {"ids": [1], "status": "shipped"}
        )
        assert response.status_code == 403
        assert response.json()["error"] == "Forbidden"
        assert response.json()["error_code"] == "forbidden"
        await revoke_api_key(container.uow_factory, reader[: reader.rindex("_")])
        response = await client.get("/v3/me", headers={"Authorization": f"Bearer {reader}"})
        assert response.status_code == 401


async def test_a_revoked_key_stops_working_once_the_cache_time_is_up(
    client: httpx.AsyncClient, container: Container
) -> None:
    from orderflow.services.access import revoke_api_key

    tenant = await make_tenant(container)
    key = await make_key(container, tenant, "order:read")
    headers = {"Authorization": f"Bearer {key}"}
    assert (await client.get("/v3/me", headers=headers)).status_code == 200
    await revoke_api_key(container.uow_factory, key[: key.rindex("_")])
    # Trusted for ORDERFLOW_AUTH_CACHE_S (1 s by default) after the database last accepted it.
    await asyncio.sleep(container.settings.auth_cache_s)
    assert (await client.get("/v3/me", headers=headers)).status_code == 401
    assert (await client.get("/v3/me", headers=headers)).status_code == 401


async def test_tenants_cannot_see_or_change_each_other(
    client: httpx.AsyncClient, container: Container
) -> None:
    seller_a = await make_tenant(container, "A")
    seller_b = await make_tenant(container, "B")
    theirs = await make_orders(container, seller_b, 1)
    missing = 999_999
    as_theirs = await _post(client, seller_a.headers, {"ids": theirs, "status": "canceled"})
    as_missing = await _post(client, seller_a.headers, {"ids": [missing], "status": "canceled"})
    assert as_theirs.status_code == as_missing.status_code == 400
    assert as_theirs.json()["rejected"][0]["error"] == f"order {theirs[0]} not found"
    assert as_theirs.json()["error"] == as_missing.json()["error"]
    read_theirs = await client.get(f"/v3/orders/{theirs[0]}", headers=seller_a.headers)
    read_missing = await client.get(f"/v3/orders/{missing}", headers=seller_a.headers)
    assert read_theirs.status_code == read_missing.status_code == 404
    assert read_theirs.json()["error_code"] == read_missing.json()["error_code"] == "not_found"
    still = (await client.get(f"/v3/orders/{theirs[0]}", headers=seller_b.headers)).json()
    assert still["status"] == "pending"


async def test_openapi_carries_the_contract(client: httpx.AsyncClient) -> None:
    doc = (await client.get("/openapi.json")).json()
    operation = doc["paths"]["/v3/orders/change-status"]["post"]
    # Bad input is a 400; the only 422 is a reused Idempotency-Key, never FastAPI's validation 422.
    assert "400" in operation["responses"]
    assert "HTTPValidationError" not in str(operation["responses"]["422"])
    assert "idempotency_key_reused" in operation["responses"]["422"]["description"]
    schema = doc["components"]["schemas"]["ChangeStatusRequest"]
    assert schema["required"] == ["ids"]
    assert [a["required"] for a in schema["anyOf"]] == [["status"], ["payment_status"]]
    older = (await client.get("/openapi.json?contract=2025-01-01")).json()
    assert older["components"]["schemas"]["LegacyChangeStatusRequest"]["required"] == [
        "ids",
        "status",
    ]
    enums = {name: s.get("enum") for name, s in doc["components"]["schemas"].items()}
    assert enums["OrderStatus"] == [
        "draft", "pending", "confirmed", "in_process", "ready",
        "shipped", "completed", "canceled", "rts", "closed",
    ]  # fmt: skip
    assert enums["PaymentStatus"] == ["unpaid", "paid", "conflict", "settled"]
    # Answers may carry any stored method; what a caller may send is the version's list.
    assert len(enums["PaymentMethod"]) == 33
    sent = schema["properties"]["payment_method"]["anyOf"][0]["enum"]
    assert len(sent) == 31 and "va_bca" in sent and "va" not in sent
    legacy = older["components"]["schemas"]["LegacyChangeStatusRequest"]
    assert len(legacy["properties"]["payment_method"]["anyOf"][0]["enum"]) == 15
    assert doc["components"]["securitySchemes"]["HTTPBearer"]["scheme"] == "bearer"
