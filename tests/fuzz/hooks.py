"""schemathesis hooks for the fuzz run (`SCHEMATHESIS_HOOKS=tests.fuzz.hooks`).

`positive_data_acceptance` expects every request that fits the schema to be accepted. Some
refusals depend on the data, not on the request's shape, and no schema can state them: an id
that names no order of this business, a transition the order's current status does not allow,
a cursor this service did not sign, CSV content (a file field is any bytes to OpenAPI), an
Idempotency-Key already used for another request, a receiver that does not answer the test
event, what a request to revert changed and what changed since. Those answers, and only those
(by their `error_code`), count as accepted here; every other refusal of a schema-valid request
is still a failure.
"""

from __future__ import annotations

import json
import uuid

import schemathesis
from schemathesis import checks

DATA_DEPENDENT = frozenset(
    {
        "order_not_found",
        "invalid_transition",
        "order_not_deletable",
        "invalid_status_time",
        "duplicate_order",
        "invalid_cursor",
        "invalid_csv",
        "idempotency_key_reused",
        "webhook_test_failed",
        # a revert's: what the request changed, and what changed since
        "changed_since",
        "already_reverted",
        "details_not_recorded",
        "request_not_revertible",
    }
)


def error_code(response: object) -> str | None:
    """The `error_code` of an error answer, if it has one."""
    try:
        body = json.loads(response.content)  # type: ignore[attr-defined]
    except (ValueError, AttributeError):
        return None
    return body.get("error_code") if isinstance(body, dict) else None


@schemathesis.check
def positive_data_acceptance_by_shape(ctx, response, case):  # type: ignore[no-untyped-def]
    """`positive_data_acceptance`, except for refusals that depend on the data."""
    if response.status_code in (400, 422) and error_code(response) in DATA_DEPENDENT:
        return None
    return checks.positive_data_acceptance(ctx, response, case)


@schemathesis.hook
def map_headers(ctx, headers):  # type: ignore[no-untyped-def]
    """Each generated webhook create gets an Idempotency-Key of its own.

    A create retried with its key answers the first endpoint again, even one a DELETE removed
    since: right for a retry, but in one fuzz run the same generated key and body come back
    after the stateful phase deleted that endpoint, which it reads as a resource that vanished.
    Replays of webhook calls are tested in tests/e2e/test_webhooks_api.py instead.
    """
    operation = ctx.operation
    if (
        headers
        and "Idempotency-Key" in headers
        and operation is not None
        and operation.method.upper() == "POST"
        and operation.path == "/v3/webhooks"
    ):
        return {**headers, "Idempotency-Key": uuid.uuid4().hex}
    return headers
