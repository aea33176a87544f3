"""`POST /v3/orders/delete`: drafts and canceled orders only, all-or-nothing, audit trail kept."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from orderflow.adapters.tables import order_status_history, orders, outbox
from orderflow.bootstrap import Container
from orderflow.contracts.versions import Contract
from tests.builders import Tenant, make_key, make_orders, make_tenant
from tests.e2e.test_scalev_contract import _answer_schema, _check, _load

URL = "/v3/orders/delete"
OLDER, NEWER = Contract.V2025_01_01, Contract.V2026_07_21


def _headers(tenant: Tenant, contract: Contract = OLDER, **extra: str) -> dict[str, str]:
    return {**tenant.headers, "Orderflow-Contract": contract.value, **extra}


async def _live(container: Container, ids: list[int]) -> list[int]:
    async with container.engine.connect() as conn:
        rows = await conn.execute(
            select(orders.c.id).where(orders.c.id.in_(ids), orders.c.deleted_at.is_(None))
        )
        return sorted(r[0] for r in rows)


async def _events(container: Container, ids: list[int], event_type: str) -> int:
    async with container.engine.connect() as conn:
        count = await conn.execute(
            select(func.count())
            .select_from(outbox)
            .where(outbox.c.order_id.in_(ids), outbox.c.event_type == event_type)
        )
        return int(count.scalar_one())


@pytest.mark.parametrize("contract", list(Contract))
async def test_deleted_orders_are_gone_everywhere_but_their_history(
    client: httpx.AsyncClient, container: Container, contract: Contract
) -> None:
    # given a draft, a canceled order and an order that stays
    tenant = await make_tenant(container)
    [draft] = await make_orders(container, tenant, status="draft", payment_method=None)
    [canceled] = await make_orders(container, tenant, status="canceled")
    [kept] = await make_orders(container, tenant)
    headers = _headers(tenant, contract, **{"X-Request-ID": "req-delete-1"})
    uuid = (await client.get(f"/v3/orders/{canceled}", headers=_headers(tenant, NEWER))).json()[
        "id"
    ]

    # when both are deleted, one named by its number and one by its UUID
    response = await client.post(URL, headers=headers, json={"ids": [draft, uuid]})

    # then the answer is Scalev's, in the version asked for
    assert response.status_code == 200, response.text
    body = response.json()
    _check(body, _answer_schema(_load(), URL, "post", "200"), contract)
    if contract is OLDER:
        assert body == {"data": [draft, canceled], "is_paginated": False}
    else:
        assert body["data"][1] == uuid and len(body["data"]) == 2
    # and the orders answer 404 to reads and changes, and are not listed, counted or exported
    for id_ in (draft, uuid):
        assert (await client.get(f"/v3/orders/{id_}", headers=headers)).status_code == 404
    listed = (await client.get("/v3/orders", headers=_headers(tenant))).json()["data"]
    assert [o["id"] for o in listed] == [kept]
    counted = await client.get(
        "/v3/orders/statistics", headers=_headers(tenant), params={"is_breakdown_status": "true"}
    )
    assert sum(item["count"] for item in counted.json()["data"]) == 1
    exported = await client.get("/v3/orders/export", headers=_headers(tenant))
    assert exported.text.count("\n") == 2  # the header and the kept order
    change = await client.post(
        "/v3/orders/change-status",
        headers=_headers(tenant),
        json={"ids": [canceled], "status": "canceled"},
    )
    assert change.status_code == 400 and change.json()["error_code"] == "order_not_found"
    again = await client.post(URL, headers=headers, json={"ids": [draft]})
    assert again.status_code == 400 and again.json()["error_code"] == "order_not_found"
    # but their history answers, ending with who deleted them
    history = await client.get(f"/v3/orders/{draft}/status-history", headers=headers)
    assert history.status_code == 200, history.text
    last = history.json()["data"][-1]
    assert (last["kind"], last["from_status"], last["to_status"]) == ("deleted", "draft", "draft")
    assert last["request_id"] == "req-delete-1"
    assert await _events(container, [draft, canceled], "order.deleted") == 2


async def test_a_batch_with_an_order_that_cannot_be_deleted_deletes_nothing(
    client: httpx.AsyncClient, container: Container
) -> None:
    tenant = await make_tenant(container)
    [draft] = await make_orders(container, tenant, status="draft", payment_method=None)
    [shipped] = await make_orders(container, tenant, status="shipped")
    other = await make_tenant(container, "Toko Lain")
    [theirs] = await make_orders(container, other, status="canceled")

    refused = await client.post(URL, headers=tenant.headers, json={"ids": [draft, shipped]})

    assert refused.status_code == 400, refused.text
    body = refused.json()
    assert body["error_code"] == "order_not_deletable"
    assert body["rejected"] == [
        {
            "id": shipped,
            "error_code": "order_not_deletable",
            "error": "a shipped order cannot be deleted; only draft and canceled orders can",
        }
    ]
    assert await _live(container, [draft, shipped]) == sorted([draft, shipped])
    # another business's order is not found (and not deleted)
    foreign = await client.post(URL, headers=tenant.headers, json={"ids": [draft, theirs]})
    assert foreign.status_code == 400 and foreign.json()["error_code"] == "order_not_found"
    assert [r["id"] for r in foreign.json()["rejected"]] == [theirs]
    assert await _live(container, [draft, theirs]) == sorted([draft, theirs])


async def test_skip_deletes_the_others_and_a_dry_run_deletes_nothing(
    client: httpx.AsyncClient, container: Container
) -> None:
    tenant = await make_tenant(container)
    drafts = await make_orders(container, tenant, 2, status="draft", payment_method=None)
    [pending] = await make_orders(container, tenant)
    ids = [*drafts, pending, 999_999_999]

    dry = await client.post(
        URL, headers=tenant.headers, params={"dry_run": "true"}, json={"ids": ids}
    )
    assert dry.status_code == 400 and dry.json()["error_code"] == "order_not_found"
    assert [r["id"] for r in dry.json()["rejected"]] == [pending, 999_999_999]
    dry_skip = await client.post(
        URL,
        headers=tenant.headers,
        params={"dry_run": "true", "on_error": "skip"},
        json={"ids": ids},
    )
    assert dry_skip.status_code == 200, dry_skip.text
    assert dry_skip.json()["data"] == drafts
    assert [r["error_code"] for r in dry_skip.json()["rejected"]] == [
        "order_not_deletable",
        "order_not_found",
    ]
    assert await _live(container, ids) == sorted([*drafts, pending])
    assert await _events(container, drafts, "order.deleted") == 0

    skipped = await client.post(
        URL, headers=tenant.headers, params={"on_error": "skip"}, json={"ids": ids}
    )
    assert skipped.status_code == 200, skipped.text
    assert skipped.json()["data"] == drafts
    assert [r["id"] for r in skipped.json()["rejected"]] == [pending, 999_999_999]
    assert await _live(container, ids) == [pending]


async def test_an_idempotency_key_replays_the_first_answer(
    client: httpx.AsyncClient, container: Container
) -> None:
    tenant = await make_tenant(container)
    [draft] = await make_orders(container, tenant, status="draft", payment_method=None)
    headers = {**tenant.headers, "Idempotency-Key": "delete-draft-1"}

    first = await client.post(URL, headers=headers, json={"ids": [draft]})
    replayed = await client.post(URL, headers=headers, json={"ids": [draft]})
    reused = await client.post(URL, headers=headers, json={"ids": [draft, draft + 1]})

    assert first.status_code == replayed.status_code == 200
    assert first.content == replayed.content
    assert reused.status_code == 422 and reused.json()["error_code"] == "idempotency_key_reused"
    async with container.engine.connect() as conn:
        rows = await conn.execute(
            select(func.count())
            .select_from(order_status_history)
            .where(
                order_status_history.c.order_id == draft, order_status_history.c.kind == "deleted"
            )
        )
    assert rows.scalar_one() == 1  # deleted once


@pytest.mark.parametrize(
    "body",
    [{}, {"ids": []}, {"ids": ["not-an-id"]}, {"ids": [0]}, {"ids": list(range(1, 10_002))}],
)
async def test_bad_bodies_are_400_and_the_scope_is_required(
    client: httpx.AsyncClient, container: Container, body: dict[str, Any]
) -> None:
    tenant = await make_tenant(container)
    [draft] = await make_orders(container, tenant, status="draft", payment_method=None)
    bad = await client.post(URL, headers=tenant.headers, json=body)
    assert bad.status_code == 400, bad.text
    assert bad.json()["error_code"] == "validation_error" and "ids" in str(bad.json()["errors"])
    changer = await make_key(container, tenant, "order:change_status", "order:read")
    forbidden = await client.post(
        URL, headers={"Authorization": f"Bearer {changer}"}, json={"ids": [draft]}
    )
    assert forbidden.status_code == 403
    assert await _live(container, [draft]) == [draft]
