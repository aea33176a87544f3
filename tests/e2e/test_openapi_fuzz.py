"""schemathesis against the app's own OpenAPI document, on a real server with a valid key:
no server errors, and every answer matches its documented status codes and schema."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path
from typing import Any

import hypothesis
import pytest
import schemathesis
from schemathesis import checks

from orderflow.bootstrap import build
from orderflow.config import Settings
from orderflow.contracts.versions import Contract
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


async def _seed(settings: Settings, contract: Contract) -> tuple[Tenant, Tenant]:
    """A business with orders and another business, both with keys pinned to `contract`."""
    container = build(settings)
    try:
        tenant = await make_tenant(container, contract=contract)
        await make_orders(container, tenant, 20)
        await make_orders(container, tenant, 5, status="shipped", payment_status="paid")
        other = await make_tenant(container, "Toko Lain", contract=contract)
        return tenant, other
    finally:
        await container.close()


@pytest.mark.parametrize("contract", list(Contract))
def test_the_api_keeps_its_documented_contract(
    settings: Settings, tmp_path: Path, contract: Contract
) -> None:
    owner, other = asyncio.run(_seed(settings, contract))
    with running_server(settings.database_url, tmp_path) as server:
        url = f"{server.url}/openapi.json?contract={contract.value}"
        for tenant in (owner, other):  # the owner's key, and another business's
            _run(schemathesis.openapi.from_url(url), server.url, tenant)


def _run(schema: Any, base_url: str, tenant: Tenant) -> None:
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
            response = case.call(base_url=base_url, headers=tenant.headers, timeout=60)
            case.validate_response(response, checks=CHECKS)

        conforms()
