"""Every Prometheus metric orderflow exports, defined once (services never import this).

With several server processes, `orderflow serve` points PROMETHEUS_MULTIPROC_DIR at a fresh
directory before the workers start; each process then writes its samples there and `/metrics`
in any of them adds all processes up.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    disable_created_metrics,
    generate_latest,
    multiprocess,
)
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

# No `_created` series: nothing alerts on them, and they double the output.
disable_created_metrics()  # type: ignore[no-untyped-call]

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"
CONTENT_TYPE = CONTENT_TYPE_LATEST

HTTP_REQUESTS = Counter(
    "orderflow_http_requests",
    "HTTP requests answered, by method, route template and status code.",
    ["method", "route", "status"],
)
HTTP_LATENCY = Histogram(
    "orderflow_http_request_duration_seconds",
    "Time from receiving a request to finishing its answer, by method and route template.",
    ["method", "route"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60),
)
ORDERS_CHANGED = Counter(
    "orderflow_orders_changed",
    "Orders whose status or payment status changed, by the status they were moved to.",
    ["status"],
)
BATCH_SIZE = Histogram(
    "orderflow_change_status_batch_size",
    "Distinct order ids per status-change batch (API call or uploaded file).",
    buckets=(1, 10, 50, 100, 250, 500, 1000, 2500, 5000, 10000),
)
TRANSITIONS_REFUSED = Counter(
    "orderflow_transitions_refused",
    "Orders of a batch that could not make the asked change, by reason (error code).",
    ["reason"],
)
IDEMPOTENT_REPLAYS = Counter(
    "orderflow_idempotent_replays",
    "Requests answered by replaying the stored answer of an earlier one (Idempotency-Key).",
)
RATE_LIMITED = Counter(
    "orderflow_rate_limited_requests",
    "Requests refused with 429 because their API key was over its rate limit.",
)
DB_ERRORS = Counter(
    "orderflow_db_errors",
    "Database errors the service handled, by kind: unavailable (answered 503) or conflict.",
    ["kind"],
)
DB_RETRIES = Counter(
    "orderflow_db_retries",
    "Transactions the database aborted to settle a conflict (serialization failure, deadlock, "
    "lock timeout, SQLite busy), which the service runs again; once a request's attempts run out "
    "it is answered 503 instead.",
)
WEBHOOK_DELIVERIES = Counter(
    "orderflow_webhook_deliveries",
    "Webhook delivery attempts, by outcome: succeeded, retry (failed, to be tried again), "
    "failed (the last attempt failed: a dead letter).",
    ["outcome"],
)
WEBHOOK_LATENCY = Histogram(
    "orderflow_webhook_delivery_duration_seconds",
    "Time a receiver took to answer a webhook delivery attempt.",
    buckets=(0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)


def record_batch(
    size: int | None, changed_by_status: Mapping[str, int], refusals: Iterable[str]
) -> None:
    """Count one status-change batch: its size (if known), the orders it changed and each
    refusal reason."""
    if size is not None:
        BATCH_SIZE.observe(size)
    for status, n in changed_by_status.items():
        if n:
            ORDERS_CHANGED.labels(status=status).inc(n)
    reasons: dict[str, int] = {}
    for reason in refusals:
        reasons[reason] = reasons.get(reason, 0) + 1
    for reason, n in reasons.items():
        TRANSITIONS_REFUSED.labels(reason=reason).inc(n)


def record_request(method: str, route: str, status: int, seconds: float) -> None:
    """Count one answered HTTP request and its latency."""
    HTTP_REQUESTS.labels(method=method, route=route, status=str(status)).inc()
    HTTP_LATENCY.labels(method=method, route=route).observe(seconds)


def multiprocess_dir() -> str | None:
    """The shared sample directory when several processes serve, else None."""
    return os.environ.get(MULTIPROC_ENV) or None


class _Gauges(Collector):
    """Values read at scrape time (outbox backlog, ...), not kept in any process."""

    def __init__(self, values: Mapping[str, tuple[str, float]]) -> None:
        self._values = values

    def collect(self) -> Iterable[GaugeMetricFamily]:
        for name, (doc, value) in self._values.items():
            yield GaugeMetricFamily(name, doc, value=value)


def render(gauges: Mapping[str, tuple[str, float]] | None = None) -> bytes:
    """The exposition text: every process's counters, plus gauges measured just now."""
    if multiprocess_dir() is not None:
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
        text = generate_latest(registry)
    else:
        text = generate_latest(REGISTRY)
    if gauges:
        scrape = CollectorRegistry(auto_describe=False)
        scrape.register(_Gauges(gauges))
        text += generate_latest(scrape)
    return text


@contextmanager
def shared_across_processes(processes: int) -> Iterator[str | None]:
    """While several processes serve, give them one sample directory (made fresh, then removed).

    A directory the operator set in PROMETHEUS_MULTIPROC_DIR is used as is, emptied of the previous
    run's samples first (prometheus-client requires a clean directory per run).
    """
    given = multiprocess_dir()
    if given is not None:
        for stale in Path(given).glob("*.db"):
            stale.unlink()
        yield given
        return
    if processes <= 1:
        yield None
        return
    made = tempfile.mkdtemp(prefix="orderflow-metrics-")
    os.environ[MULTIPROC_ENV] = made
    try:
        yield made
    finally:
        os.environ.pop(MULTIPROC_ENV, None)
        shutil.rmtree(made, ignore_errors=True)
