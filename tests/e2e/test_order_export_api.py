"""`GET /v3/orders/export`: the list's filters as a streamed CSV file."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta

import httpx

from orderflow.api.csv_export import EXPORT_COLUMNS
from orderflow.bootstrap import Container
from tests.builders import Tenant, make_key, make_orders, make_tenant

URL = "/v3/orders/export"
T0 = datetime(2026, 11, 20, 3, 0, tzinfo=UTC)


async def _export(client: httpx.AsyncClient, tenant: Tenant, **params: str) -> list[dict[str, str]]:
    response = await client.get(URL, headers=tenant.headers, params=params)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    assert response.headers["content-disposition"].startswith("attachment; filename=")
    assert response.content.startswith(b"\xef\xbb\xbf")
    reader = csv.DictReader(io.StringIO(response.content.decode("utf-8-sig")))
    assert tuple(reader.fieldnames or ()) == EXPORT_COLUMNS
    return list(reader)


async def test_exports_every_column_newest_first_with_filters(
    client: httpx.AsyncClient, container: Container
) -> None:
    tenant = await make_tenant(container)
    pending = await make_orders(container, tenant, 2, created_at=T0)
    paid = await make_orders(
        container,
        tenant,
        status="confirmed",
        payment_status="paid",
        customer_name="Budi Jaya",
        created_at=T0 + timedelta(hours=2),
    )

    rows = await _export(client, tenant)
    assert [int(r["id"]) for r in rows] == paid + sorted(pending, reverse=True)
    top = rows[0]
    assert (top["status"], top["payment_status"], top["payment_method"]) == (
        "confirmed",
        "paid",
        "bank_transfer",
    )
    assert top["confirmed_time"] == top["paid_time"] == "2026-11-20T05:00:00Z"
    assert top["pending_time"] == "" and top["total"] == "162000.00"
    assert top["customer_phone"] == "+6281234567890"

    assert [int(r["id"]) for r in await _export(client, tenant, search="budi")] == paid
    only_pending = await _export(client, tenant, status="pending", payment_status="unpaid")
    assert sorted(int(r["id"]) for r in only_pending) == pending
    assert await _export(client, tenant, created_since="2026-12-01T00:00:00Z") == []


async def test_export_neutralises_spreadsheet_formulas(
    client: httpx.AsyncClient, container: Container
) -> None:
    tenant = await make_tenant(container)
    await make_orders(container, tenant, customer_name='=HYPERLINK("http://evil")')
    [row] = await _export(client, tenant)
    assert row["customer_name"] == '\'=HYPERLINK("http://evil")'


async def test_export_is_scoped_to_the_business_and_needs_the_list_scope(
    client: httpx.AsyncClient, container: Container
) -> None:
    tenant = await make_tenant(container)
    other = await make_tenant(container, "Toko Lain")
    mine = await make_orders(container, tenant, 2)
    await make_orders(container, other, 3)
    reader = await make_key(container, tenant, "order:read")

    assert sorted(int(r["id"]) for r in await _export(client, tenant)) == mine
    forbidden = await client.get(URL, headers={"Authorization": f"Bearer {reader}"})
    assert forbidden.status_code == 403
    bad = await client.get(URL, headers=tenant.headers, params={"status": "nope"})
    assert bad.status_code == 400 and "status" in bad.json()["errors"]


async def test_export_spans_several_batches(
    client: httpx.AsyncClient, container: Container
) -> None:
    tenant = await make_tenant(container)
    ids = await make_orders(container, tenant, 2_500, created_at=T0)
    rows = await _export(client, tenant)
    assert [int(r["id"]) for r in rows] == sorted(ids, reverse=True)
