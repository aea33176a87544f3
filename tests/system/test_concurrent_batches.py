"""Many clients send random overlapping batches, and reverts of earlier ones, to real server
processes (two on PostgreSQL): no update is lost, history stays a chain, nothing answers 5xx,
other businesses are untouched."""

from __future__ import annotations

import asyncio
import contextlib
import random
import time
import uuid
from pathlib import Path
from typing import Any

import httpx

from orderflow.bootstrap import Container
from orderflow.config import Settings
from orderflow.domain.lifecycle import OrderStatus, PaymentStatus
from tests.builders import Tenant, make_orders, make_tenant
from tests.servers import running_server
from tests.system.checks import STRESS, assert_chains_are_whole, states

CLIENTS = 8
DURATION_S = 20.0 if STRESS else 3.0
URL = "/v3/orders/change-status"
REVERT = "/v3/orders/revert"


async def _client(
    urls: list[str],
    tenant: Tenant,
    ours: list[int],
    foreign: list[int],
    deadline: float,
    seed: int,
    log: list[tuple[str, int, dict[str, Any]]],
    reverts: set[str],
) -> None:
    rng = random.Random(seed)
    async with httpx.AsyncClient(timeout=60) as client:
        while time.monotonic() < deadline:
            done = [rid for rid, code, _ in log if code == 200]
            if done and rng.random() < 0.15:  # now and then, undo an earlier batch
                request_id = uuid.uuid4().hex
                response = await client.post(
                    rng.choice(urls) + REVERT,
                    params={"on_error": "skip"} if rng.random() < 0.5 else {},
                    json={"request_id": rng.choice(done)},
                    headers={**tenant.headers, "X-Request-ID": request_id},
                )
                log.append((request_id, response.status_code, response.json()))
                reverts.add(request_id)
                continue
            ids = rng.sample(ours, rng.randint(1, 12))
            if rng.random() < 0.2:
                ids.append(rng.choice(foreign))  # another business's order: must look unknown
            body: dict[str, Any] = {"ids": ids, "status": rng.choice(list(OrderStatus)).value}
            if rng.random() < 0.4:
                body["payment_status"] = rng.choice(list(PaymentStatus)).value
            params = {"on_error": "skip"} if rng.random() < 0.7 else {}
            request_id = uuid.uuid4().hex
            response = await client.post(
                rng.choice(urls) + URL,
                params=params,
                json=body,
                headers={**tenant.headers, "X-Request-ID": request_id},
            )
            log.append((request_id, response.status_code, response.json()))


async def test_overlapping_batches_from_many_clients(
    settings: Settings, container: Container, tmp_path: Path
) -> None:
    # Given a business with orders, and another business whose ids get mixed in
    shop, other = await make_tenant(container, "Shop"), await make_tenant(container, "Other")
    ours = await make_orders(container, shop, 30)
    foreign = await make_orders(container, other, 5)
    servers = 1 if settings.is_sqlite else 2

    # When 8 clients send random batches to every server process for a while
    log: list[tuple[str, int, dict[str, Any]]] = []
    reverts: set[str] = set()
    with contextlib.ExitStack() as stack:
        urls = [
            stack.enter_context(running_server(settings.database_url, tmp_path)).url
            for _ in range(servers)
        ]
        deadline = time.monotonic() + DURATION_S
        await asyncio.gather(
            *(_client(urls, shop, ours, foreign, deadline, n, log, reverts) for n in range(CLIENTS))
        )

    # Then no server error, and the database tells the same story as the answers
    codes = {code for _, code, _ in log}
    # (404: a revert of a batch that, skipping refused orders, changed none)
    assert codes <= {200, 400, 404}, f"unexpected answers: {codes}"
    assert sum(code == 200 for _, code, _ in log) > 0
    assert any(code == 200 and rid in reverts for rid, code, _ in log), "no revert was answered"
    chains = await assert_chains_are_whole(container, shop.business_id)
    answered = {rid: body for rid, code, body in log if code == 200}
    refused = {rid for rid, code, _ in log if code != 200}
    changed_by: dict[str, dict[int, tuple[str, str]]] = {}
    for id_, chain in chains.items():
        for row in chain[1:]:
            assert row.request_id not in refused, "a refused batch changed something"
            assert row.request_id in answered, "a change nobody was told about"
            changed_by.setdefault(row.request_id, {})[id_] = (row.to_status, row.to_payment)
    for rid, changed in changed_by.items():
        reported = {d["id"]: (d["status"], d["payment_status"]) for d in answered[rid]["data"]}
        for id_, state in changed.items():
            assert reported[id_] == state, "the answer and the history disagree"
    assert changed_by, "no batch changed anything"
    for body in answered.values():
        assert not any(d["id"] in foreign for d in body["data"]), "another business's order leaked"
    assert {s[:2] for s in (await states(container, other.business_id)).values()} == {
        ("pending", "unpaid")
    }
