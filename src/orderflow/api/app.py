"""The FastAPI application."""

from __future__ import annotations

import asyncio
import contextlib
import gc
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from functools import partial

from fastapi import FastAPI

from orderflow.adapters.backlog import measure_backlog
from orderflow.adapters.housekeeping import purge_forever, retention
from orderflow.adapters.readiness import check_readiness
from orderflow.api.errors import install_error_handlers
from orderflow.api.middleware import BodyLimitMiddleware, RequestIdMiddleware
from orderflow.api.openapi import install_openapi
from orderflow.api.responses import OrjsonResponse
from orderflow.api.routes import (
    docs,
    health,
    me,
    metrics,
    order_deletion,
    order_queries,
    order_revert,
    order_statistics,
    order_upload,
    orders,
    webhooks,
)
from orderflow.api.telemetry import TelemetryMiddleware
from orderflow.bootstrap import Container, build
from orderflow.config import Settings
from orderflow.console import mount_console
from orderflow.observability.logs import configure_logging
from orderflow.safety import check_production_safety
from orderflow.worker.outbox_relay import build_relay

GC_YOUNG_THRESHOLD = 50_000  # allocations between young collections (CPython's default: 700)

DESCRIPTION = """
orderflow changes the status of many orders at once — the Scalev-compatible
`POST /v3/orders/change-status` — with the order lifecycle enforced, all-or-nothing batches,
a history row and an outbox event for every applied change.

Authenticate with `Authorization: Bearer <API key>`. This document describes the contract
version it names in `info.version`; `/openapi.json?contract=2025-01-01` describes the older one.
A key answers in the version it was made with; the header `Orderflow-Contract: <version>` asks
for another, and every answer names its version in the same header.
"""


def create_app(settings: Settings | None = None, container: Container | None = None) -> FastAPI:
    """Build the API for `settings` (or an already-built container)."""
    container = container or build(settings)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        settings = container.settings
        housekeeping = (
            asyncio.create_task(
                purge_forever(
                    container.engine, retention(settings), settings.housekeeping_interval_s
                )
            )
            if settings.housekeeping_interval_s > 0
            else None
        )
        # The embedded default delivers webhooks in-process; a deployment running `orderflow
        # worker` processes turns this off with ORDERFLOW_WEBHOOK_RELAY_IN_PROCESS=false.
        relay = build_relay(container) if container.settings.webhook_relay_in_process else None
        if relay is not None:
            relay.start()
        try:
            yield
        finally:
            if relay is not None:
                await relay.stop()
            if housekeeping is not None:
                housekeeping.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await housekeeping
            await container.close()

    app = FastAPI(
        title="orderflow",
        version="0.1.0",
        description=DESCRIPTION,
        default_response_class=OrjsonResponse,
        lifespan=lifespan,
        # Served by routes/docs.py: one document per contract version.
        openapi_url=None,
        docs_url=None,
        redoc_url=None,
    )
    app.state.container = container
    app.state.uow_factory = container.uow_factory
    app.state.check_readiness = partial(check_readiness, container.engine)
    app.state.measure_backlog = partial(measure_backlog, container.engine)
    app.state.outbound = container.outbound()
    install_error_handlers(app)
    install_openapi(app)
    app.add_middleware(BodyLimitMiddleware)
    app.add_middleware(TelemetryMiddleware)
    app.add_middleware(RequestIdMiddleware)  # outermost: the request id is known to all inside
    # order_queries first: its fixed paths (/v3/orders/export) must win over /v3/orders/{id}.
    routers = (
        order_statistics,
        order_queries,
        order_upload,
        order_deletion,
        order_revert,
        orders,
        webhooks,
        me,
        health,
    )
    for module in (*routers, metrics, docs):
        app.include_router(module.router)
    mount_console(app)
    return app


def create_app_from_env() -> FastAPI:
    """Entry point for `uvicorn --factory` (each server process builds its own app)."""
    settings = Settings()
    check_production_safety(settings)  # `orderflow serve` checked already; plain uvicorn did not
    configure_logging(settings.log_level, settings.log_format, access=settings.log_access)
    app = create_app(settings)
    tune_garbage_collector()
    return app


def tune_garbage_collector() -> None:
    """Collect cycles less often, and never look at what the process loaded to start again.

    A 10,000-order batch keeps a few hundred thousand objects alive until it commits; with
    CPython's defaults each full collection walks them and every module and route object,
    over and over (a third of such a request's CPU in profiles). Reference counting still
    frees everything that is not a cycle at once.
    """
    gc.freeze()
    gc.set_threshold(GC_YOUNG_THRESHOLD, *gc.get_threshold()[1:])
