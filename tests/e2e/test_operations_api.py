"""Operations endpoints over HTTP: liveness, readiness, and the Prometheus metrics."""

from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from alembic.script import ScriptDirectory
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import text

from orderflow.adapters import backlog, readiness
from orderflow.adapters.migrate import alembic_config, head_revision
from orderflow.api.app import create_app
from orderflow.bootstrap import Container, build
from orderflow.config import Settings
from tests.builders import make_orders, make_tenant, serving
from tests.conftest import Database
from tests.receiver import fail_first, running_receiver
from tests.relaying import drain, fast_config, make_endpoint

URL = "/v3/orders/change-status"


def unreachable_url(database: Database, tmp_path: Path) -> str:
    """A database URL of the same kind that cannot be reached."""
    if database.kind == "sqlite":
        # Not a missing directory: aiosqlite's failed-connect thread outlives the event loop.
        broken = tmp_path / "broken.db"
        broken.write_bytes(b"this is not an SQLite database" * 100)
        return f"sqlite:///{broken}"
    return "postgresql://postgres@127.0.0.1:1/orderflow"


@pytest.fixture
async def down_client(database: Database, tmp_path: Path) -> AsyncIterator[httpx.AsyncClient]:
    """A client of an app whose database cannot be reached."""
    container = build(Settings(database_url=unreachable_url(database, tmp_path)))
    transport = httpx.ASGITransport(app=create_app(container=container))
    try:
        async with httpx.AsyncClient(transport=transport, base_url="http://orderflow.test") as c:
            yield c
    finally:
        await container.close()


async def test_healthz_answers_without_the_database(
    client: httpx.AsyncClient, down_client: httpx.AsyncClient
) -> None:
    for c in (client, down_client):
        response = await c.get("/healthz")
        assert response.status_code == 200 and response.json() == {"status": "ok"}


async def test_readyz_when_database_is_at_head(client: httpx.AsyncClient) -> None:
    response = await client.get("/readyz")
    assert response.status_code == 200, response.text
    head = head_revision()
    assert response.json() == {
        "status": "ready",
        "database": "ok",
        "schema": "current",
        "migrations": {"current": head, "head": head},
    }


async def test_readyz_is_503_when_database_is_unreachable(down_client: httpx.AsyncClient) -> None:
    response = await down_client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["error_code"] == "database_unavailable"
    assert response.headers["retry-after"] == "1"


async def set_revision(container: Container, revision: str | None) -> None:
    async with container.engine.begin() as conn:
        await conn.execute(text("UPDATE alembic_version SET version_num = :v"), {"v": revision})


def previous_revision() -> str:
    down = ScriptDirectory.from_config(alembic_config()).get_revision(head_revision()).down_revision
    assert isinstance(down, str)
    return down


async def test_readyz_is_503_when_migrations_are_behind(
    client: httpx.AsyncClient, container: Container
) -> None:
    head, older = head_revision(), previous_revision()
    await set_revision(container, older)
    try:
        response = await client.get("/readyz")
    finally:
        await set_revision(container, head)
    assert response.status_code == 503
    body = response.json()
    assert body["error_code"] == "migrations_pending"
    assert body["migrations"] == {"current": older, "head": head}
    assert "orderflow migrate" in body["error"]


async def test_readyz_stays_ready_when_a_newer_release_migrated(
    client: httpx.AsyncClient, container: Container
) -> None:
    # A rolling upgrade: the new release ran its migration; this (old) process keeps serving.
    head = head_revision()
    await set_revision(container, "9999_from_a_newer_release")
    try:
        response = await client.get("/readyz")
    finally:
        await set_revision(container, head)
    assert response.status_code == 200
    assert response.json()["schema"] == "ahead"


def sample(exposition: str, name: str, **labels: str) -> float:
    """The value of one sample in a Prometheus exposition (0 when absent)."""
    for family in text_string_to_metric_families(exposition):
        for s in family.samples:
            if s.name == name and all(s.labels.get(k) == v for k, v in labels.items()):
                return float(s.value)
    return 0.0


async def scrape(client: httpx.AsyncClient) -> str:
    response = await client.get("/metrics")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/plain")
    return response.text


async def test_metrics_count_requests_by_route_template_and_status(
    client: httpx.AsyncClient, container: Container
) -> None:
    tenant = await make_tenant(container)
    [id_] = await make_orders(container, tenant, 1)
    route = {"method": "GET", "route": "/v3/orders/{id}"}
    before = await scrape(client)
    assert (await client.get(f"/v3/orders/{id_}", headers=tenant.headers)).status_code == 200
    assert (await client.get("/v3/orders/999999", headers=tenant.headers)).status_code == 404
    assert (await client.get("/no/such/path")).status_code == 404
    after = await scrape(client)

    name = "orderflow_http_requests_total"
    for status, n in (("200", 1), ("404", 1)):
        delta = sample(after, name, **route, status=status) - sample(
            before, name, **route, status=status
        )
        assert delta == n
    unmatched = {"method": "GET", "route": "unmatched", "status": "404"}
    assert sample(after, name, **unmatched) - sample(before, name, **unmatched) == 1
    latency = "orderflow_http_request_duration_seconds_count"
    assert sample(after, latency, **route) - sample(before, latency, **route) == 2


async def test_metrics_count_changed_orders_batches_and_refusals(
    client: httpx.AsyncClient, container: Container
) -> None:
    tenant = await make_tenant(container)
    pending = await make_orders(container, tenant, 3)
    canceled = await make_orders(container, tenant, 2, status="canceled")
    before = await scrape(client)

    ok = await client.post(
        URL, headers=tenant.headers, json={"ids": pending, "status": "confirmed"}
    )
    assert ok.status_code == 200
    refused = await client.post(
        URL, headers=tenant.headers, json={"ids": [*canceled, 999999], "status": "shipped"}
    )
    assert refused.status_code == 400
    skipped = await client.post(
        f"{URL}?on_error=skip", headers=tenant.headers, json={"ids": canceled, "status": "pending"}
    )
    assert skipped.status_code == 200
    dry = await client.post(
        f"{URL}?dry_run=true", headers=tenant.headers, json={"ids": pending, "status": "shipped"}
    )
    assert dry.status_code == 200
    after = await scrape(client)

    def delta(name: str, **labels: str) -> float:
        return sample(after, name, **labels) - sample(before, name, **labels)

    assert delta("orderflow_orders_changed_total", status="confirmed") == 3
    assert delta("orderflow_orders_changed_total", status="shipped") == 0  # the dry run
    assert delta("orderflow_change_status_batch_size_count") == 3
    assert delta("orderflow_change_status_batch_size_sum") == 3 + 3 + 2
    assert delta("orderflow_transitions_refused_total", reason="order_not_found") == 1
    assert delta("orderflow_transitions_refused_total", reason="invalid_transition") == 4


async def test_metrics_count_a_revert_like_a_change(
    client: httpx.AsyncClient, container: Container
) -> None:
    # given three orders confirmed by one request, one of them shipped since
    tenant = await make_tenant(container)
    ids = await make_orders(container, tenant, 3)
    named = {**tenant.headers, "X-Request-ID": "req-confirm"}
    assert (
        await client.post(URL, headers=named, json={"ids": ids, "status": "confirmed"})
    ).is_success
    shipped = {"ids": ids[:1], "status": "shipped"}
    assert (await client.post(URL, headers=tenant.headers, json=shipped)).is_success
    before = await scrape(client)

    # when it is reverted skipping the refused order
    reverted = await client.post(
        "/v3/orders/revert?on_error=skip",
        headers=tenant.headers,
        json={"request_id": "req-confirm"},
    )
    assert reverted.status_code == 200
    after = await scrape(client)

    # then it counts as a batch of three, two orders back to pending, one refused and why
    def delta(name: str, **labels: str) -> float:
        return sample(after, name, **labels) - sample(before, name, **labels)

    assert delta("orderflow_orders_changed_total", status="pending") == 2
    assert delta("orderflow_change_status_batch_size_sum") == 3
    assert delta("orderflow_transitions_refused_total", reason="changed_since") == 1


async def test_metrics_refuse_remote_clients_without_a_token(container: Container) -> None:
    transport = httpx.ASGITransport(app=create_app(container=container), client=("203.0.113.7", 5))
    async with httpx.AsyncClient(transport=transport, base_url="http://orderflow.test") as remote:
        response = await remote.get("/metrics")
    assert response.status_code == 403
    assert "ORDERFLOW_METRICS_TOKEN" in response.json()["error"]


async def test_metrics_require_the_token_when_one_is_set(settings: Settings) -> None:
    container = build(settings.model_copy(update={"metrics_token": "scrape-me-0123456789"}))
    transport = httpx.ASGITransport(app=create_app(container=container), client=("203.0.113.7", 5))
    try:
        async with httpx.AsyncClient(transport=transport, base_url="http://orderflow.test") as c:
            missing = await c.get("/metrics")
            wrong = await c.get("/metrics", headers={"Authorization": "Bearer nope"})
            right = await c.get(
                "/metrics", headers={"Authorization": "Bearer scrape-me-0123456789"}
            )
    finally:
        await container.close()
    assert missing.status_code == 401 and wrong.status_code == 401
    assert missing.headers["www-authenticate"] == "Bearer"
    assert right.status_code == 200 and "orderflow_http_requests_total" in right.text


async def test_metrics_are_not_in_the_public_openapi_document(client: httpx.AsyncClient) -> None:
    paths = (await client.get("/openapi.json")).json()["paths"]
    assert "/metrics" not in paths and "/readyz" in paths and "/healthz" in paths


async def test_metrics_count_idempotent_replays_once_each(
    client: httpx.AsyncClient, container: Container
) -> None:
    tenant = await make_tenant(container)
    ids = await make_orders(container, tenant, 2)
    headers = {**tenant.headers, "Idempotency-Key": "metrics-replay-1"}
    body = {"ids": ids, "status": "confirmed"}
    before = await scrape(client)
    first = await client.post(URL, headers=headers, json=body)
    again = await client.post(URL, headers=headers, json=body)
    after = await scrape(client)

    assert first.status_code == again.status_code == 200
    assert again.headers["idempotent-replayed"] == "true"
    replays = "orderflow_idempotent_replays_total"
    assert sample(after, replays) - sample(before, replays) == 1
    changed = "orderflow_orders_changed_total"
    assert (
        sample(after, changed, status="confirmed") - sample(before, changed, status="confirmed")
        == 2
    )


@pytest.mark.postgresql_only
async def test_metrics_count_database_errors(
    client: httpx.AsyncClient, down_client: httpx.AsyncClient
) -> None:
    before = await scrape(client)
    well_formed = "sk_" + "A" * 12 + "_" + "b" * 32
    response = await down_client.get("/v3/me", headers={"Authorization": f"Bearer {well_formed}"})
    after = await scrape(client)

    assert response.status_code == 503
    errors = "orderflow_db_errors_total"
    assert (
        sample(after, errors, kind="unavailable") - sample(before, errors, kind="unavailable") >= 1
    )


async def test_metrics_count_csv_uploads_like_batches(
    client: httpx.AsyncClient, container: Container
) -> None:
    tenant = await make_tenant(container)
    ids = await make_orders(container, tenant, 3)
    canceled = await make_orders(container, tenant, 1, status="canceled")
    csv = "id,status\n" + "".join(
        f"{i},{s}\n" for i, s in [(ids[0], "confirmed"), (ids[1], "ready"), (canceled[0], "ready")]
    )
    before = await scrape(client)
    response = await client.post(
        "/v3/orders/upload-change-status?on_error=skip",
        headers=tenant.headers,
        files={"file": ("orders.csv", csv.encode(), "text/csv")},
    )
    after = await scrape(client)

    assert response.status_code == 200, response.text

    def delta(name: str, **labels: str) -> float:
        return sample(after, name, **labels) - sample(before, name, **labels)

    assert delta("orderflow_orders_changed_total", status="confirmed") == 1
    assert delta("orderflow_orders_changed_total", status="ready") == 1
    assert delta("orderflow_change_status_batch_size_sum") == 3
    assert delta("orderflow_transitions_refused_total", reason="invalid_transition") == 1
    upload = {"method": "POST", "route": "/v3/orders/upload-change-status", "status": "200"}
    assert delta("orderflow_http_requests_total", **upload) == 1


async def test_metrics_count_rate_limited_requests_and_are_never_limited(
    settings: Settings,
) -> None:
    container = build(settings.model_copy(update={"rate_limit_per_10s": 2}))
    transport = httpx.ASGITransport(app=create_app(container=container))
    try:
        async with httpx.AsyncClient(transport=transport, base_url="http://orderflow.test") as c:
            tenant = await make_tenant(container)
            before = await scrape(c)
            answers = [
                (await c.get("/v3/me", headers=tenant.headers)).status_code for _ in range(3)
            ]
            scrapes = [(await c.get("/metrics")).status_code for _ in range(5)]
            after = await scrape(c)
    finally:
        await container.close()

    assert answers == [200, 200, 429]
    assert set(scrapes) == {200}
    limited = "orderflow_rate_limited_requests_total"
    assert sample(after, limited) - sample(before, limited) == 1


async def test_metrics_show_the_webhook_backlog_and_delivery_outcomes(
    client: httpx.AsyncClient, container: Container
) -> None:
    tenant = await make_tenant(container)
    ids = await make_orders(container, tenant, 3)
    with running_receiver() as receiver:
        await make_endpoint(container, tenant, receiver.url)
        receiver.answer = fail_first(1)
        before = await scrape(client)
        changed = await client.post(
            URL, headers=tenant.headers, json={"ids": ids, "status": "confirmed"}
        )
        waiting = await scrape(client)  # no relay runs here until drain()
        await drain(container, fast_config(retries=2))
        after = await scrape(client)

    assert changed.status_code == 200
    assert sample(waiting, "orderflow_outbox_backlog") == 3
    assert sample(waiting, "orderflow_outbox_oldest_age_seconds") >= 0
    assert sample(after, "orderflow_outbox_backlog") == 0
    assert sample(after, "orderflow_webhook_deliveries_pending") == 0

    def delta(outcome: str) -> float:
        name = "orderflow_webhook_deliveries_total"
        return sample(after, name, outcome=outcome) - sample(before, name, outcome=outcome)

    assert delta("retry") == 3 and delta("succeeded") == 3 and delta("failed") == 0
    latency = "orderflow_webhook_delivery_duration_seconds_count"
    assert sample(after, latency) - sample(before, latency) == 6


async def test_readiness_and_gauges_do_not_wait_for_the_sqlite_writer(
    sqlite_database: Database, tmp_path: Path
) -> None:
    """A batch holding SQLite's write lock does not hold up /readyz or the backlog gauges:
    they only read, and a read never takes the write lock."""
    url = sqlite_database.fresh_url(tmp_path)
    async with serving(Settings(database_url=url, env="development")) as (client, _):
        writer = sqlite3.connect(url.removeprefix("sqlite:///"), isolation_level=None)
        writer.execute("BEGIN IMMEDIATE")
        try:
            ready = await client.get("/readyz")
            exposition = await scrape(client)
        finally:
            writer.execute("ROLLBACK")
            writer.close()
    assert ready.status_code == 200, ready.text
    assert "orderflow_outbox_backlog 0.0" in exposition


async def test_a_bug_behind_readyz_is_a_500_not_database_unavailable(
    container: Container, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    async def broken(_engine: object) -> str | None:
        raise KeyError("a bug, not the database")

    monkeypatch.setattr(readiness, "current_revision", broken)
    # As a server answers (the exception is not raised into the test).
    transport = httpx.ASGITransport(app=create_app(container=container), raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://orderflow.test") as c:
        response = await c.get("/readyz", headers={"X-Request-ID": "ready-bug-1"})
    assert response.status_code == 500
    assert response.json()["error_code"] != "database_unavailable"
    logged = [r for r in caplog.records if r.exc_info and r.exc_info[0] is KeyError]
    assert logged and getattr(logged[0], "request_id", None) == "ready-bug-1"


async def test_a_bug_behind_the_gauges_is_logged_and_the_scrape_goes_on(
    client: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def broken(_engine: object) -> object:
        raise KeyError("a bug, not the database")

    monkeypatch.setattr(backlog, "reading", broken)
    exposition = await scrape(client)
    assert "orderflow_http_requests_total" in exposition
    assert "orderflow_outbox_backlog" not in exposition.replace("# HELP", "").split("\n")[0]
    logged = [r for r in caplog.records if r.exc_info and r.exc_info[0] is KeyError]
    assert logged and logged[0].name == "orderflow.backlog"
