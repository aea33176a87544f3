"""What a realistic session of API calls writes to the logs: useful fields, and no secrets."""

from __future__ import annotations

import json

import httpx
import pytest

from orderflow.api.app import create_app
from orderflow.bootstrap import Container
from orderflow.observability.logs import JsonFormatter
from tests.builders import make_key, make_orders, make_tenant
from tests.log_scan import remember_secret

PHONE = "+6285712345678"
EMAIL = "budi.santoso@example.net"


class Lines:
    """The lines the server would have written while the block ran."""

    def __init__(self, caplog: pytest.LogCaptureFixture) -> None:
        self.caplog = caplog

    def all(self) -> list[str]:
        formatter = JsonFormatter()
        return [formatter.format(r) for r in self.caplog.records]

    def access(self) -> list[dict[str, object]]:
        entries = [json.loads(line) for line in self.all()]
        return [e for e in entries if e["logger"] == "orderflow.access" and "status" in e]


async def test_a_realistic_session_logs_fields_but_never_keys_or_contacts(
    client: httpx.AsyncClient, container: Container, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level("DEBUG", logger="orderflow")
    tenant = await make_tenant(container)
    reader = await make_key(container, tenant, "order:read")
    pending = await make_orders(container, tenant, 4)
    remember_secret(PHONE, EMAIL)
    bad_key = tenant.key[:-4] + "zzzz"

    created = await client.post(
        "/v3/orders",
        headers={**tenant.headers, "X-Request-ID": "flow-create-1"},
        json={
            "customer": {"name": "Budi", "phone": PHONE, "email": EMAIL},
            "items": [{"name": "Kaos", "quantity": 1, "price": "75000.00"}],
            "shipping_cost": "12000.00",
            "payment_method": "bank_transfer",
        },
    )
    assert created.status_code == 201, created.text
    new_id = created.json()["id"]
    changed = await client.post(
        "/v3/orders/change-status",
        headers={**tenant.headers, "X-Request-ID": "flow-change-1"},
        json={"ids": [*pending, new_id], "status": "confirmed", "payment_status": "paid"},
    )
    assert changed.status_code == 200
    assert changed.headers["x-request-id"] == "flow-change-1"
    refused = await client.post(
        "/v3/orders/change-status",
        headers=tenant.headers,
        json={"ids": pending, "status": "completed"},
    )
    assert refused.status_code == 400
    read = await client.get(f"/v3/orders/{new_id}", headers={"Authorization": f"Bearer {reader}"})
    assert read.status_code == 200 and read.json()["customer"]["email"] == EMAIL
    forbidden = await client.post(
        "/v3/orders/change-status",
        headers={"Authorization": f"Bearer {reader}"},
        json={"ids": pending, "status": "shipped"},
    )
    assert forbidden.status_code == 403
    unauthorized = await client.get("/v3/me", headers={"Authorization": f"Bearer {bad_key}"})
    assert unauthorized.status_code == 401
    invalid = await client.post(
        "/v3/orders",
        headers=tenant.headers,
        json={"customer": {"name": "Budi", "phone": PHONE, "email": EMAIL}, "items": "nope"},
    )
    assert invalid.status_code == 400

    lines = Lines(caplog)
    text = "\n".join(lines.all())
    for secret in (tenant.key, reader, bad_key, PHONE, EMAIL, "+6281234567890"):
        assert secret not in text, secret
    access = lines.access()
    assert len(access) == 7
    by_id = {e["request_id"]: e for e in access}
    change = by_id["flow-change-1"]
    assert change["route"] == "/v3/orders/change-status" and change["method"] == "POST"
    assert change["status"] == 200 and change["business_id"] == tenant.business_id
    assert change["batch_size"] == 5 and change["changed"] == 5
    assert isinstance(change["duration_ms"], float)
    assert by_id["flow-create-1"]["status"] == 201
    refusal = next(e for e in access if e["status"] == 400 and e.get("batch_size") == 4)
    assert refusal["refused"] == 4 and refusal["changed"] == 0
    assert all(isinstance(e["request_id"], str) and e["request_id"] for e in access)
    assert next(e for e in access if e["status"] == 401).get("business_id") is None


async def test_an_unexpected_error_is_logged_with_its_request_id(
    container: Container, caplog: pytest.LogCaptureFixture
) -> None:
    app = create_app(container=container)

    async def boom() -> None:
        raise RuntimeError("something broke for siti@example.com")

    app.add_api_route("/boom", boom)
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://orderflow.test") as c:
        response = await c.get("/boom", headers={"X-Request-ID": "boom-1"})

    assert response.status_code == 500
    assert response.json()["error_code"] == "internal_error"
    lines = [json.loads(line) for line in Lines(caplog).all()]
    error = next(e for e in lines if e["message"] == "unhandled error")
    assert error["request_id"] == "boom-1" and "RuntimeError" in error["exception"]
    assert "siti@example.com" not in error["exception"]
    access = next(e for e in lines if e["logger"] == "orderflow.access" and "status" in e)
    assert access["status"] == 500 and access["route"] == "/boom"
