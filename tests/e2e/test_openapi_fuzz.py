"""schemathesis against the app's own OpenAPI document, on a real server with a valid key:
no server errors, and every answer matches its documented status codes and schema."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

import hypothesis
import schemathesis
from schemathesis import checks

from orderflow.bootstrap import build
from orderflow.config import Settings
from tests.builders import Tenant, make_orders, make_tenant
from tests.servers import running_server

STRESS = os.environ.get("ORDERFLOW_STRESS") == "1"
EXAMPLES = 200 if STRESS else 25
CHECKS = [
    checks.not_a_server_error,
    checks.status_code_conformance,
    checks.content_type_conformance,
    checks.response_schema_conformance,
    checks.response_headers_conformance,
    checks.negative_data_rejection,
]


async def _seed(settings: Settings) -> Tenant:
    container = build(settings)
    try:
        tenant = await make_tenant(container)
        await make_orders(container, tenant, 20)
        await make_orders(container, tenant, 5, status="shipped", payment_status="paid")
        return tenant
    finally:
        await container.close()


def test_the_api_keeps_its_documented_contract(settings: Settings, tmp_path: Path) -> None:
    tenant = asyncio.run(_seed(settings))
    with running_server(settings.database_url, tmp_path) as server:
        schema = schemathesis.openapi.from_url(f"{server.url}/openapi.json")
        for result in schema.get_all_operations():
            operation = result.ok()

            @hypothesis.settings(
                max_examples=EXAMPLES,
                deadline=None,
                database=None,
                derandomize=not STRESS,
                suppress_health_check=list(hypothesis.HealthCheck),
            )
            @hypothesis.given(case=operation.as_strategy())
            def conforms(case: schemathesis.Case) -> None:
                response = case.call(base_url=server.url, headers=tenant.headers, timeout=60)
                case.validate_response(response, checks=CHECKS)

            conforms()
