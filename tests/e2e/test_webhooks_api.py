"""`/v3/webhooks` over HTTP: endpoints, secrets, activation by test event, deliveries."""

from __future__ import annotations

import asyncio
import threading

import httpx
import pytest
from sqlalchemy import select

from orderflow.adapters.tables import idempotency_keys
from orderflow.api.app import create_app
from orderflow.bootstrap import Container, build
from orderflow.config import Settings
from tests.builders import make_key, make_orders, make_tenant
from tests.receiver import always, running_receiver, verify_scalev, verify_standard
from tests.relaying import drain, fast_config

URL = "/v3/webhooks"
PUBLIC_URL = "https://93.184.215.14/hooks"  # a public address literal: no DNS, never contacted


async def _create(
    client: httpx.AsyncClient, headers: dict[str, str], **body: object
) -> httpx.Response:
    payload = {"url": PUBLIC_URL, "events": ["order.status_changed"], "is_active": False, **body}
    return await client.post(URL, headers=headers, json=payload)


async def test_create_shows_the_secret_once(
    client: httpx.AsyncClient, container: Container
) -> None:
    tenant = await make_tenant(container)
    created = await _create(client, tenant.headers)
    assert created.status_code == 201, created.text
    data = created.json()["data"]
    assert data["secret"].startswith("whsec_")
    assert (data["url"], data["events"], data["is_active"]) == (
        PUBLIC_URL,
        ["order.status_changed"],
        False,
    )
    listed = await client.get(URL, headers=tenant.headers)
    one = await client.get(f"{URL}/{data['id']}", headers=tenant.headers)
    assert [w["id"] for w in listed.json()["data"]] == [data["id"]]
    assert "secret" not in listed.json()["data"][0] and "secret" not in one.json()["data"]
    rotated = await client.post(f"{URL}/{data['id']}/rotate-secret", headers=tenant.headers)
    assert rotated.status_code == 200
    assert rotated.json()["data"]["secret"] not in (data["secret"], None)


async def test_activation_sends_a_signed_test_event_and_needs_2xx(
    client: httpx.AsyncClient, container: Container
) -> None:
    tenant = await make_tenant(container)
    with running_receiver(always(500)) as receiver:
        # a receiver answering 500 is refused, and nothing is stored
        refused = await _create(client, tenant.headers, url=receiver.url, is_active=True)
        assert refused.status_code == 400
        assert refused.json()["error_code"] == "webhook_test_failed"
        assert (await client.get(URL, headers=tenant.headers)).json()["data"] == []
        # registered inactive, then activated once the receiver answers 2xx
        created = (await _create(client, tenant.headers, url=receiver.url)).json()["data"]
        still = await client.patch(
            f"{URL}/{created['id']}", headers=tenant.headers, json={"is_active": True}
        )
        assert still.status_code == 400
        receiver.answer = always(204)
        activated = await client.patch(
            f"{URL}/{created['id']}", headers=tenant.headers, json={"is_active": True}
        )
        assert activated.status_code == 200 and activated.json()["data"]["is_active"] is True
        test_event = receiver.all()[-1]
    assert test_event.json["event"] == "business.test_event"
    assert test_event.json["data"]["business_id"] == tenant.business_id
    assert verify_scalev(
        created["secret"], test_event.body, test_event.headers["x-scalev-hmac-sha256"]
    )
    assert verify_standard(created["secret"], test_event.headers, test_event.body)


@pytest.mark.parametrize(
    ("url", "field"),
    [
        ("ftp://example.com/hook", "url"),
        ("http://127.0.0.1:9/hook", "url"),
        ("http://localhost/hook", "url"),
        ("http://10.1.2.3/hook", "url"),
        ("http://192.168.1.1/hook", "url"),
        ("http://169.254.169.254/latest/meta-data", "url"),
        ("http://[::1]/hook", "url"),
    ],
)
async def test_private_and_non_http_urls_are_refused(
    settings: Settings, url: str, field: str
) -> None:
    strict = build(settings.model_copy(update={"webhook_allow_private_urls": False}))
    try:
        tenant = await make_tenant(strict)
        transport = httpx.ASGITransport(app=create_app(container=strict))
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
            response = await _create(client, tenant.headers, url=url)
            allowed = await _create(client, tenant.headers)
    finally:
        await strict.close()
    assert response.status_code == 400, response.text
    assert response.json()["error_code"] == "validation_error"
    assert field in response.json()["errors"]
    assert allowed.status_code == 201


async def test_events_must_be_known(client: httpx.AsyncClient, container: Container) -> None:
    tenant = await make_tenant(container)
    for events in ([], ["order.refunded"], ["business.test_event"]):
        response = await _create(client, tenant.headers, events=events)
        assert response.status_code == 400 and "events" in str(response.json()["errors"])


async def test_another_business_sees_nothing_and_scope_is_required(
    client: httpx.AsyncClient, container: Container
) -> None:
    owner, other = await make_tenant(container, "Toko A"), await make_tenant(container, "Toko B")
    webhook_id = (await _create(client, owner.headers)).json()["data"]["id"]
    for method, path in [
        ("GET", f"{URL}/{webhook_id}"),
        ("PATCH", f"{URL}/{webhook_id}"),
        ("DELETE", f"{URL}/{webhook_id}"),
        ("POST", f"{URL}/{webhook_id}/rotate-secret"),
        ("GET", f"{URL}/{webhook_id}/deliveries"),
        ("POST", f"{URL}/{webhook_id}/deliveries/1/redeliver"),
    ]:
        response = await client.request(method, path, headers=other.headers, json={})
        assert response.status_code == 404, (method, path, response.text)
    assert (await client.get(URL, headers=other.headers)).json()["data"] == []
    reader = await make_key(container, owner, "order:read")
    forbidden = await client.get(URL, headers={"Authorization": f"Bearer {reader}"})
    assert forbidden.status_code == 403


async def test_deliveries_list_attempts_and_can_be_redelivered_and_delete_cancels(
    client: httpx.AsyncClient, container: Container
) -> None:
    tenant = await make_tenant(container)
    [order_id] = await make_orders(container, tenant, 1)
    with running_receiver() as receiver:
        created = await _create(client, tenant.headers, url=receiver.url, is_active=True)
        webhook_id = created.json()["data"]["id"]
        receiver.answer = always(500)
        change = {"ids": [order_id], "status": "confirmed"}
        await client.post("/v3/orders/change-status", headers=tenant.headers, json=change)
        await drain(container, fast_config(retries=1))
        listed = await client.get(f"{URL}/{webhook_id}/deliveries", headers=tenant.headers)
        [delivery] = listed.json()["data"]
        assert delivery["status"] == "failed" and delivery["event"] == "order.status_changed"
        assert [a["status_code"] for a in delivery["attempts"]] == [500, 500]
        assert all(a["latency_ms"] >= 0 and a["attempted_at"] for a in delivery["attempts"])
        receiver.answer = always(200)
        again = await client.post(
            f"{URL}/{webhook_id}/deliveries/{delivery['id']}/redeliver", headers=tenant.headers
        )
        assert again.status_code == 202 and again.json()["data"]["status"] == "pending"
        await drain(container, fast_config(retries=1))
    done = await client.get(
        f"{URL}/{webhook_id}/deliveries", headers=tenant.headers, params={"status": "succeeded"}
    )
    [delivered] = done.json()["data"]
    assert [a["status_code"] for a in delivered["attempts"]] == [500, 500, 200]
    assert delivered["unique_id"] == delivery["unique_id"]
    deleted = await client.delete(f"{URL}/{webhook_id}", headers=tenant.headers)
    assert deleted.status_code == 204
    gone = await client.get(f"{URL}/{webhook_id}", headers=tenant.headers)
    assert gone.status_code == 404


async def test_a_rotation_during_an_activation_is_kept(
    client: httpx.AsyncClient, container: Container
) -> None:
    """The activation's test event is held at the receiver while the secret is rotated: the
    change that lands afterwards writes only what it changes, and the rotated secret stays."""
    tenant = await make_tenant(container)
    with running_receiver(always(204)) as receiver:
        created = (await _create(client, tenant.headers, url=receiver.url)).json()["data"]
        receiver.hold = threading.Event()
        activating = asyncio.create_task(
            client.patch(f"{URL}/{created['id']}", headers=tenant.headers, json={"is_active": True})
        )
        assert await asyncio.to_thread(receiver.hold.wait, 10), "no test event arrived"
        rotated = await client.post(f"{URL}/{created['id']}/rotate-secret", headers=tenant.headers)
        assert rotated.status_code == 200
        receiver.release.set()
        activated = await activating
    assert activated.status_code == 200, activated.text
    assert activated.json()["data"]["is_active"] is True
    async with container.uow_factory(tenant.business_id, write=False) as uow:
        stored = await uow.webhooks.get(created["id"])
    assert stored is not None and stored.is_active
    assert stored.secret == rotated.json()["data"]["secret"] != created["secret"]


async def test_a_retried_create_with_its_key_makes_one_endpoint(
    client: httpx.AsyncClient, container: Container
) -> None:
    tenant = await make_tenant(container)
    keyed = {**tenant.headers, "Idempotency-Key": "hook-create-1"}
    first = await _create(client, keyed)
    again = await _create(client, keyed)
    other = await _create(client, keyed, events=["order.created"])

    assert first.status_code == again.status_code == 201, first.text
    assert again.headers.get("idempotent-replayed") == "true"
    assert again.json() == first.json()  # the same endpoint, and its secret, again
    assert other.status_code == 422 and other.json()["error_code"] == "idempotency_key_reused"
    listed = (await client.get(URL, headers=tenant.headers)).json()["data"]
    assert [w["id"] for w in listed] == [first.json()["data"]["id"]]
    # the stored answer holds the secret sealed, never in the clear
    secret = first.json()["data"]["secret"]
    async with container.engine.connect() as conn:
        bodies = (await conn.execute(select(idempotency_keys.c.body))).scalars().all()
    assert bodies and not any(secret.encode() in bytes(b) for b in bodies)


async def test_every_webhook_change_replays_under_its_key(
    client: httpx.AsyncClient, container: Container
) -> None:
    tenant = await make_tenant(container)
    hook = (await _create(client, tenant.headers)).json()["data"]
    base = f"{URL}/{hook['id']}"

    def keyed(key: str) -> dict[str, str]:
        return {**tenant.headers, "Idempotency-Key": key}

    calls = [
        ("PATCH", base, {"events": ["order.created"]}, "hook-patch", 200),
        ("POST", f"{base}/rotate-secret", None, "hook-rotate", 200),
        ("DELETE", base, None, "hook-delete", 204),
    ]
    for method, path, body, key, status in calls:
        first = await client.request(method, path, headers=keyed(key), json=body)
        again = await client.request(method, path, headers=keyed(key), json=body)
        assert first.status_code == again.status_code == status, (path, again.text)
        assert again.headers.get("idempotent-replayed") == "true"
        assert again.content == first.content
        if method == "POST":
            # one rotation happened, not two: the secret both answers show is the endpoint's
            async with container.uow_factory(tenant.business_id, write=False) as uow:
                stored = await uow.webhooks.get(hook["id"])
            assert stored is not None
            assert stored.secret == again.json()["data"]["secret"] != hook["secret"]
    async with container.uow_factory(tenant.business_id, write=False) as uow:
        assert await uow.webhooks.get(hook["id"]) is None  # deleted
    # without a key, a second delete finds nothing
    assert (await client.delete(base, headers=tenant.headers)).status_code == 404
