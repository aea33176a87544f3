"""`POST /v3/orders/revert` and `GET /v3/orders/changes/{request_id}` over HTTP: both contract
versions, the refusals, the modes, the history marks, the request's own page."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from sqlalchemy import insert

from orderflow.adapters.tables import order_status_history
from orderflow.bootstrap import Container
from orderflow.contracts.versions import Contract
from tests.builders import Tenant, make_key, make_orders, make_tenant
from tests.e2e.test_scalev_contract import _answer_schema, _check, _load

URL = "/v3/orders/revert"
CHANGE = "/v3/orders/change-status"
OLDER, NEWER = Contract.V2025_01_01, Contract.V2026_07_21


def _headers(tenant: Tenant, request_id: str, contract: Contract = OLDER) -> dict[str, str]:
    return {**tenant.headers, "Orderflow-Contract": contract.value, "X-Request-ID": request_id}


async def _change(
    client: httpx.AsyncClient, tenant: Tenant, request_id: str, ids: list[int], **target: Any
) -> None:
    response = await client.post(
        CHANGE, headers=_headers(tenant, request_id), json={"ids": ids, **target}
    )
    assert response.status_code == 200, response.text


async def _revert(
    client: httpx.AsyncClient,
    tenant: Tenant,
    request_id: str,
    body: Any,
    contract: Contract = OLDER,
    **params: str,
) -> httpx.Response:
    return await client.post(
        URL, headers=_headers(tenant, request_id, contract), json=body, params=params
    )


async def _order(client: httpx.AsyncClient, tenant: Tenant, id_: int | str) -> dict[str, Any]:
    response = await client.get(f"/v3/orders/{id_}", headers=_headers(tenant, "read"))
    body: dict[str, Any] = response.json()
    return body


@pytest.mark.parametrize("contract", list(Contract))
async def test_a_revert_answers_in_change_status_shape_in_each_version(
    client: httpx.AsyncClient, container: Container, contract: Contract
) -> None:
    # given two orders shipped with a tracking number by one request
    tenant = await make_tenant(container)
    ids = await make_orders(container, tenant, 2)
    await _change(client, tenant, "req-ship", ids, status="shipped", shipment_receipt="JNE-7")

    # when the request is reverted
    response = await _revert(client, tenant, "req-undo", {"request_id": "req-ship"}, contract)

    # then the answer is change-status's, valid against Scalev's schema of the version
    assert response.status_code == 200, response.text
    body = response.json()
    _check(body, _answer_schema(_load(), CHANGE, "post", "200"), contract)
    assert [(i["status"], i["payment_status"]) for i in body["data"]] == [("pending", "unpaid")] * 2
    shown = [i["id"] for i in body["data"]]
    if contract is OLDER:
        assert shown == ids
    else:
        assert all(isinstance(i, str) and len(i) == 36 for i in shown)
    assert response.headers["x-request-id"] == "req-undo"
    # and the orders are back, their tracking number gone
    for id_ in ids:
        order = await _order(client, tenant, id_)
        assert (order["status"], order["shipment_receipt"]) == ("pending", None)


async def test_the_history_marks_the_reverted_change_and_the_revert(
    client: httpx.AsyncClient, container: Container
) -> None:
    tenant = await make_tenant(container)
    [id_] = await make_orders(container, tenant)
    await _change(client, tenant, "req-confirm", [id_], status="confirmed")
    assert (await _revert(client, tenant, "req-undo", {"request_id": "req-confirm"})).is_success

    history = (
        await client.get(f"/v3/orders/{id_}/status-history", headers=_headers(tenant, "r"))
    ).json()["data"]

    assert [(h["request_id"], h["reverts"], h["reverted_by"]) for h in history[1:]] == [
        ("req-confirm", None, "req-undo"),
        ("req-undo", "req-confirm", None),
    ]
    assert history[0]["reverted_by"] is None  # the creation is never reverted


async def test_refused_orders_are_named_with_their_reason(
    client: httpx.AsyncClient, container: Container
) -> None:
    # given three orders confirmed, one shipped since and one canceled... by the same request
    tenant = await make_tenant(container)
    ids = await make_orders(container, tenant, 3)
    await _change(client, tenant, "req-confirm", ids, status="confirmed")
    await _change(client, tenant, "req-ship", [ids[1]], status="shipped")
    before = [await _order(client, tenant, i) for i in ids]

    # when reverted all-or-nothing: a 400 naming the order, and nothing changes
    refused = await _revert(client, tenant, "req-undo", {"request_id": "req-confirm"})
    assert refused.status_code == 400
    body = refused.json()
    assert body["error_code"] == "changed_since"
    assert [(r["id"], r["error_code"]) for r in body["rejected"]] == [(ids[1], "changed_since")]
    assert [await _order(client, tenant, i) for i in ids] == before

    # when a dry run (skipping refused orders) asks: the two that go back, the one refused
    dry = await _revert(
        client,
        tenant,
        "req-undo-dry",
        {"request_id": "req-confirm"},
        dry_run="true",
        on_error="skip",
    )
    assert dry.status_code == 200
    assert [i["id"] for i in dry.json()["data"]] == [ids[0], ids[2]]
    assert [r["id"] for r in dry.json()["rejected"]] == [ids[1]]
    assert [await _order(client, tenant, i) for i in ids] == before

    # when reverted skipping refused orders: the two go back, the one is in `rejected`
    skipped = await _revert(
        client, tenant, "req-undo-2", {"request_id": "req-confirm"}, on_error="skip"
    )
    assert skipped.status_code == 200
    assert [r["error_code"] for r in skipped.json()["rejected"]] == ["changed_since"]
    assert [(await _order(client, tenant, i))["status"] for i in ids] == [
        "pending",
        "shipped",
        "pending",
    ]

    # and the request cannot be reverted again for the orders that went back
    again = await _revert(
        client, tenant, "req-undo-3", {"request_id": "req-confirm"}, on_error="skip"
    )
    assert sorted(r["error_code"] for r in again.json()["rejected"]) == [
        "already_reverted",
        "already_reverted",
        "changed_since",
    ]


async def test_unknown_and_other_business_request_ids_are_404(
    client: httpx.AsyncClient, container: Container
) -> None:
    mine, theirs = await make_tenant(container, "A"), await make_tenant(container, "B")
    ids = await make_orders(container, mine, 1)
    await _change(client, mine, "req-mine", ids, status="confirmed")

    for tenant, request_id in ((theirs, "req-mine"), (mine, "req-nobody")):
        response = await _revert(client, tenant, "req-x", {"request_id": request_id})
        assert response.status_code == 404
        assert response.json()["error_code"] == "request_not_found"
        page = await client.get(
            f"/v3/orders/changes/{request_id}", headers=_headers(tenant, "req-y")
        )
        assert page.status_code == 404
        assert page.json()["error_code"] == "request_not_found"
    assert (await _order(client, mine, ids[0]))["status"] == "confirmed"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "request_id"),
        ({"request_id": ""}, "request_id"),
        ({"request_id": "has space"}, "request_id"),
        ({"request_id": "x" * 129}, "request_id"),
        ({"request_id": "req-1", "by": "b" * 256}, "by"),
        ([], "body"),
    ],
)
async def test_a_malformed_body_is_a_400_naming_the_field(
    client: httpx.AsyncClient, container: Container, body: Any, field: str
) -> None:
    tenant = await make_tenant(container)
    response = await _revert(client, tenant, "req-x", body)
    assert response.status_code == 400
    assert response.json()["error_code"] == "validation_error"
    assert field in response.json()["errors"]


async def test_a_revert_cannot_share_the_request_id_it_reverts(
    client: httpx.AsyncClient, container: Container
) -> None:
    tenant = await make_tenant(container)
    ids = await make_orders(container, tenant, 1)
    await _change(client, tenant, "req-same", ids, status="confirmed")

    response = await _revert(client, tenant, "req-same", {"request_id": "req-same"})

    assert response.status_code == 400
    assert "request_id" in response.json()["errors"]


async def test_creations_only_and_old_rows_without_details_are_refused(
    client: httpx.AsyncClient, container: Container
) -> None:
    # given an order made by one request, and a change recorded before migration 0012 (its
    # tracking number given, what it held before not recorded)
    tenant = await make_tenant(container)
    made = await client.post(
        "/v3/orders",
        headers=_headers(tenant, "req-make"),
        json={
            "customer": {"name": "Siti"},
            "items": [{"name": "Kopi", "quantity": 1, "price": "1.00"}],
        },
    )
    assert made.status_code == 201, made.text
    [old] = await make_orders(container, tenant)
    async with container.engine.begin() as conn:
        await conn.execute(
            insert(order_status_history).values(
                business_id=tenant.business_id,
                order_id=old,
                from_status="pending",
                to_status="pending",
                from_payment_status="unpaid",
                to_payment_status="unpaid",
                kind="details",
                shipment_receipt="JNE-OLD",
                request_id="req-old",
                created_at=datetime.now(UTC),
            )
        )

    creation = await _revert(client, tenant, "req-x", {"request_id": "req-make"})
    assert creation.status_code == 400
    assert creation.json()["error_code"] == "request_not_revertible"
    unrecorded = await _revert(client, tenant, "req-y", {"request_id": "req-old"})
    assert unrecorded.status_code == 400
    assert [r["error_code"] for r in unrecorded.json()["rejected"]] == ["details_not_recorded"]


async def test_an_idempotency_key_replays_the_revert(
    client: httpx.AsyncClient, container: Container
) -> None:
    tenant = await make_tenant(container)
    ids = await make_orders(container, tenant, 2)
    await _change(client, tenant, "req-confirm", ids, status="confirmed")
    headers = {**_headers(tenant, "req-undo"), "Idempotency-Key": "undo-1"}

    first = await client.post(URL, headers=headers, json={"request_id": "req-confirm"})
    second = await client.post(URL, headers=headers, json={"request_id": "req-confirm"})

    assert first.status_code == second.status_code == 200
    assert second.content == first.content
    assert second.headers["idempotent-replayed"] == "true"
    other = await client.post(URL, headers=headers, json={"request_id": "req-other"})
    assert other.status_code == 422


async def test_a_key_without_the_change_scope_cannot_revert(
    client: httpx.AsyncClient, container: Container
) -> None:
    tenant = await make_tenant(container)
    reader = await make_key(container, tenant, "order:read")
    response = await client.post(
        URL, headers={"Authorization": f"Bearer {reader}"}, json={"request_id": "req-1"}
    )
    assert response.status_code == 403


@pytest.mark.parametrize("contract", list(Contract))
async def test_the_request_page_says_who_when_how_many_and_each_change(
    client: httpx.AsyncClient, container: Container, contract: Contract
) -> None:
    # given 5 orders confirmed by one request (with a name), two of them put back since
    tenant = await make_tenant(container)
    ids = await make_orders(container, tenant, 5)
    await _change(client, tenant, "req-confirm", ids, status="confirmed", by="kasir")
    await _change(client, tenant, "req-undo", ids[:2], status="pending")  # by hand: not a revert
    await _revert(client, tenant, "req-revert", {"request_id": "req-confirm"}, on_error="skip")

    # when its page is read two changes at a time
    pages: list[dict[str, Any]] = []
    params: dict[str, Any] = {"page_size": 2}
    while True:
        response = await client.get(
            "/v3/orders/changes/req-confirm",
            headers=_headers(tenant, "req-read", contract),
            params=params,
        )
        assert response.status_code == 200, response.text
        pages.append(response.json())
        if not pages[-1]["has_next"]:
            break
        params["next_cursor"] = pages[-1]["next_cursor"]

    # then it is counted once, and every order's change is on exactly one page
    first = pages[0]
    assert (first["orders"], first["changes"], first["by"], first["reverts"]) == (
        5,
        5,
        "kasir",
        None,
    )
    assert first["reverted_by"] == ["req-revert"]
    assert first["api_key_prefix"] and first["first_at"] <= first["last_at"]
    items = [item for page in pages for item in page["data"]]
    assert len(pages) == 3 and [p["page_size"] for p in pages] == [2, 2, 2]
    assert [(i["from_status"], i["to_status"]) for i in items] == [("pending", "confirmed")] * 5
    assert [i["reverted_by"] for i in items] == [
        None,
        None,
        "req-revert",
        "req-revert",
        "req-revert",
    ]
    if contract is OLDER:
        assert [i["id"] for i in items] == ids
    else:
        assert all(isinstance(i["id"], str) for i in items)
    # and the revert's own page names what it reverted
    revert_page = await client.get(
        "/v3/orders/changes/req-revert", headers=_headers(tenant, "req-read")
    )
    assert revert_page.json()["reverts"] == "req-confirm"
    assert revert_page.json()["orders"] == 3


async def test_a_cursor_of_another_request_is_refused(
    client: httpx.AsyncClient, container: Container
) -> None:
    tenant = await make_tenant(container)
    ids = await make_orders(container, tenant, 3)
    await _change(client, tenant, "req-a", ids, status="confirmed")
    await _change(client, tenant, "req-b", ids, status="shipped")
    page = await client.get(
        "/v3/orders/changes/req-a", headers=_headers(tenant, "r"), params={"page_size": 1}
    )
    cursor = page.json()["next_cursor"]

    other = await client.get(
        "/v3/orders/changes/req-b", headers=_headers(tenant, "r"), params={"next_cursor": cursor}
    )
    assert other.status_code == 400
    assert other.json()["error_code"] == "invalid_cursor"
    for bad in ({"page_size": 0}, {"page_size": 1001}, {"next_cursor": "not a cursor"}):
        response = await client.get(
            "/v3/orders/changes/req-a", headers=_headers(tenant, "r"), params=bad
        )
        assert response.status_code == 400, bad


async def test_an_order_deleted_since_is_changed_since_named_by_its_uuid(
    client: httpx.AsyncClient, container: Container
) -> None:
    tenant = await make_tenant(container)
    ids = await make_orders(container, tenant, 1)
    await _change(client, tenant, "req-cancel", ids, status="canceled")
    uuid = (await client.get(f"/v3/orders/{ids[0]}", headers=_headers(tenant, "r", NEWER))).json()[
        "id"
    ]
    deleted = await client.post(
        "/v3/orders/delete", headers=_headers(tenant, "req-delete"), json={"ids": ids}
    )
    assert deleted.status_code == 200

    response = await _revert(client, tenant, "req-undo", {"request_id": "req-cancel"}, NEWER)

    assert response.status_code == 400
    assert [(r["id"], r["error_code"]) for r in response.json()["rejected"]] == [
        (uuid, "changed_since")
    ]
    assert "req-delete" in response.json()["rejected"][0]["error"]
