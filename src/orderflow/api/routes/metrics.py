"""Prometheus metrics, for the operator's scraper only (not part of the public API)."""

from __future__ import annotations

import hmac
import ipaddress

from fastapi import APIRouter, Request
from starlette.responses import Response

from orderflow.api.errors import error_body
from orderflow.api.responses import OrjsonResponse
from orderflow.observability.metrics import CONTENT_TYPE, render

router = APIRouter(tags=["operations"])


def _is_loopback(host: str | None) -> bool:
    try:
        return host is not None and ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _refusal(request: Request, token: str) -> Response | None:
    """Why this caller may not scrape, or None when it may.

    With ORDERFLOW_METRICS_TOKEN set, the caller must present it as a bearer token; without it,
    only a client on this host may scrape (behind a proxy, the forwarded client address counts).
    """
    if token:
        presented = request.headers.get("authorization", "")
        scheme, _, value = presented.partition(" ")
        if scheme.lower() == "bearer" and hmac.compare_digest(value.encode(), token.encode()):
            return None
        return OrjsonResponse(
            error_body("Unauthorized", "unauthorized"), 401, headers={"WWW-Authenticate": "Bearer"}
        )
    if _is_loopback(request.client.host if request.client else None):
        return None
    return OrjsonResponse(
        error_body(
            "metrics are served to this host only; set ORDERFLOW_METRICS_TOKEN to scrape remotely",
            "forbidden",
        ),
        403,
    )


@router.get("/metrics", include_in_schema=False)
async def metrics(request: Request) -> Response:
    """Every orderflow metric in the Prometheus text format."""
    refusal = _refusal(request, request.app.state.container.settings.metrics_token)
    if refusal is not None:
        return refusal
    gauges = await request.app.state.measure_backlog()
    return Response(render(gauges), media_type=CONTENT_TYPE)
