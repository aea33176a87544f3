"""Every operation Scalev documents, sent in both contract versions; each answer is validated
against Scalev's own schema (the shared extract of its v3 OpenAPI), with `jsonschema`.

2026-07-21 is checked against the schemas as Scalev states them. 2025-01-01 is checked against
the same schemas with the older page's differences put back (numeric ids, its 15 payment
methods), which `_legacy` lists.
"""

from __future__ import annotations

import copy
import json
import os
from pathlib import Path
from typing import Any

import httpx
import jsonschema
import pytest

from orderflow.bootstrap import Container
from orderflow.contracts.versions import PAYMENT_METHODS, Contract
from tests.builders import Tenant, make_orders, make_tenant

OLDER, NEWER = Contract.V2025_01_01, Contract.V2026_07_21
_SHARED = Path(__file__).resolve().parents[3] / "shared" / "contract" / "scalev-v3-orders.json"
CONTRACT_FILE = Path(os.environ.get("ORDERFLOW_SCALEV_CONTRACT", _SHARED))


def _load() -> dict[str, Any]:
    if not CONTRACT_FILE.exists():
        if os.environ.get("CI") == "true":
            pytest.fail(f"Scalev's contract extract is missing: {CONTRACT_FILE}")
        pytest.skip(f"SKIPPED: Scalev's contract extract not found at {CONTRACT_FILE}")
    document: dict[str, Any] = json.loads(CONTRACT_FILE.read_text())
    return document


def _json_schema(schema: Any) -> Any:
    """OpenAPI 3.0 → JSON Schema: `nullable: true` becomes a null type (or enum value)."""
    if isinstance(schema, list):
        return [_json_schema(s) for s in schema]
    if not isinstance(schema, dict):
        return schema
    out = {k: _json_schema(v) for k, v in schema.items() if not k.startswith("x-")}
    if out.pop("nullable", False):
        if "type" in out:
            out["type"] = [out["type"], "null"]
        if "enum" in out:
            out["enum"] = [*out["enum"], None]
        if "type" not in out and "enum" not in out:
            out = {"anyOf": [out, {"type": "null"}]}
    return out


def _legacy(schema: Any) -> Any:
    """The 2025-01-01 form of a schema: order ids are numbers, payment methods the older 15."""
    older = [m.value for m in PAYMENT_METHODS[OLDER]]
    schema = copy.deepcopy(schema)

    def walk(node: Any, key: str | None = None) -> None:
        if isinstance(node, dict):
            props = node.get("properties", {})
            if "id" in props and props["id"].get("format") == "uuid":
                props["id"] = {"type": "integer", "minimum": 1}
            if "payment_method" in props and "enum" in props["payment_method"]:
                props["payment_method"]["enum"] = older
            if key == "data" and node.get("items", {}).get("format") == "uuid":
                node["items"] = {"type": "integer", "minimum": 1}  # a list of order ids
            for k, v in node.items():
                walk(v, k)
        elif isinstance(node, list):
            for v in node:
                walk(v, key)

    walk(schema)
    return schema


def _answer_schema(document: dict[str, Any], path: str, method: str, status: str) -> Any:
    operation = document["paths"][path][method]
    schema = operation["responses"][status]["content"]["application/json"]["schema"]
    schema = copy.deepcopy(schema)
    order = schema.get("properties", {})
    # Scalev's Order lists order statuses for payment_status_history items (a slip in its
    # document: they are payment statuses); checked as payment statuses here.
    history = order.get("payment_status_history", {}).get("items", {}).get("properties", {})
    if "status" in history:
        history["status"]["enum"] = ["unpaid", "paid", "conflict", "settled"]
    return schema


def _check(answer: Any, schema: Any, contract: Contract) -> None:
    schema = _legacy(schema) if contract is OLDER else schema
    validator = jsonschema.Draft7Validator(
        _json_schema(schema), format_checker=jsonschema.Draft7Validator.FORMAT_CHECKER
    )
    errors = sorted(validator.iter_errors(answer), key=lambda e: list(e.path))
    assert not errors, [f"{list(e.path)}: {e.message}" for e in errors[:5]]


def _headers(tenant: Tenant, contract: Contract) -> dict[str, str]:
    return {**tenant.headers, "Orderflow-Contract": contract.value}


@pytest.fixture
def scalev() -> dict[str, Any]:
    return _load()


@pytest.mark.parametrize("contract", list(Contract))
async def test_every_scalev_operation_answers_in_scalevs_schema(
    client: httpx.AsyncClient, container: Container, scalev: dict[str, Any], contract: Contract
) -> None:
    # given a business with orders, and a key pinned to the other version than asked for
    tenant = await make_tenant(container, "Toko Kontrak")
    ids = await make_orders(container, tenant, 3, payment_method="qris")
    headers = _headers(tenant, contract)
    method = "va" if contract is OLDER else "va_bca"

    # POST /v3/orders: the order itself, unwrapped
    created = await client.post(
        "/v3/orders",
        headers=headers,
        json={
            "customer": {"name": "Siti", "phone": "+6281234567890"},
            "items": [{"name": "Kaos", "quantity": 1, "price": "75000.00"}],
            "payment_method": method,
        },
    )
    assert created.status_code == 201, created.text
    assert created.headers["Orderflow-Contract"] == contract.value
    _check(created.json(), _answer_schema(scalev, "/v3/orders/{id}", "get", "200"), contract)

    # GET /v3/orders/{id}, by the id form of the version and by the other form
    read = await client.get(f"/v3/orders/{created.json()['id']}", headers=headers)
    assert read.status_code == 200, read.text
    _check(read.json(), _answer_schema(scalev, "/v3/orders/{id}", "get", "200"), contract)
    by_number = await client.get(f"/v3/orders/{ids[0]}", headers=headers)
    assert by_number.status_code == 200
    uuid = (await client.get(f"/v3/orders/{ids[0]}", headers=_headers(tenant, NEWER))).json()["id"]
    by_uuid = await client.get(f"/v3/orders/{uuid}", headers=headers)
    assert by_uuid.json() == by_number.json()

    # POST /v3/orders/change-status, ids in every form Scalev accepts
    change = await client.post(
        "/v3/orders/change-status",
        headers=headers,
        json={"ids": [ids[0], str(ids[1]), uuid], "status": "confirmed", "payment_method": method},
    )
    assert change.status_code == 200, change.text
    body = change.json()
    _check(body, _answer_schema(scalev, "/v3/orders/change-status", "post", "200"), contract)
    assert len(body["data"]) == 2  # ids[0] and its UUID name one order: the first mention wins
    if contract is OLDER:
        assert set(body["data"][0]) == {"id", "order_id", "payment_status", "status"}
        assert body["data"][0]["id"] == ids[0]
    else:
        assert body["data"][0]["id"] == uuid
        assert body["data"][0]["public_order_url"] is None

    # GET /v3/orders: a page Scalev's clients can loop on
    page = await client.get("/v3/orders", headers=headers, params={"page_size": 2})
    assert page.status_code == 200, page.text
    _check(page.json(), _answer_schema(scalev, "/v3/orders", "get", "200"), contract)
    assert page.json()["has_next"] is True and page.json()["page_size"] == 2

    # GET /v3/me
    me = await client.get("/v3/me", headers=headers)
    _check(me.json(), _answer_schema(scalev, "/v3/me", "get", "200"), contract)

    # POST /v3/orders/upload-change-status
    csv = f"id,status\n{ids[2]},confirmed\n".encode()
    upload = await client.post(
        "/v3/orders/upload-change-status",
        headers=headers,
        files={"file": ("manifest.csv", csv, "text/csv")},
        data={"tz": "Asia/Jakarta"},
    )
    assert upload.status_code == 200, upload.text
    _check(
        upload.json(),
        _answer_schema(scalev, "/v3/orders/upload-change-status", "post", "200"),
        contract,
    )


async def test_a_payment_only_change_is_valid_today_and_not_in_the_older_version(
    client: httpx.AsyncClient, container: Container
) -> None:
    tenant = await make_tenant(container)
    ids = await make_orders(container, tenant, 1)
    body = {"ids": ids, "payment_status": "paid", "payment_method": "va_mandiri"}
    older = await client.post(
        "/v3/orders/change-status", headers=_headers(tenant, OLDER), json=body
    )
    assert older.status_code == 400 and "status" in older.json()["errors"]
    newer = await client.post(
        "/v3/orders/change-status", headers=_headers(tenant, NEWER), json=body
    )
    assert newer.status_code == 200, newer.text
    assert newer.json()["data"][0]["status"] == "pending"
    assert newer.json()["data"][0]["payment_status"] == "paid"
    neither = await client.post(
        "/v3/orders/change-status", headers=_headers(tenant, NEWER), json={"ids": ids}
    )
    assert neither.status_code == 400 and "status" in neither.json()["errors"]


async def test_an_unknown_contract_is_refused_and_every_answer_names_its_version(
    client: httpx.AsyncClient, container: Container
) -> None:
    tenant = await make_tenant(container)  # pinned to 2025-01-01
    pinned = await client.get("/v3/orders", headers=tenant.headers)
    assert pinned.headers["Orderflow-Contract"] == OLDER.value
    unknown = await client.get(
        "/v3/orders", headers={**tenant.headers, "Orderflow-Contract": "2024-13-01"}
    )
    assert unknown.status_code == 400
    assert unknown.json()["error_code"] == "unsupported_contract"
    newer = await make_tenant(container, "Toko Baru", contract=NEWER)
    assert (await client.get("/v3/orders", headers=newer.headers)).headers[
        "Orderflow-Contract"
    ] == NEWER.value


async def test_the_older_versions_change_status_answer_is_byte_for_byte_the_old_one(
    client: httpx.AsyncClient, container: Container
) -> None:
    tenant = await make_tenant(container)  # a key made before the upgrade: 2025-01-01
    ids = await make_orders(container, tenant, 2)
    answer = await client.post(
        "/v3/orders/change-status",
        headers=tenant.headers,
        json={"ids": [ids[1], ids[0]], "status": "confirmed"},
    )
    numbers = [
        (await client.get(f"/v3/orders/{i}", headers=tenant.headers)).json()["order_id"]
        for i in (ids[1], ids[0])
    ]
    assert answer.content == (
        b'{"data":['
        + b",".join(
            b'{"id":%d,"order_id":"%s","payment_status":"unpaid","status":"confirmed"}'
            % (i, n.encode())
            for i, n in zip((ids[1], ids[0]), numbers, strict=True)
        )
        + b'],"is_paginated":false}'
    )
