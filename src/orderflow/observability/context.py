"""What the current request is, for every log line written while it runs (a context variable)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

_fields: ContextVar[dict[str, Any] | None] = ContextVar("orderflow_log_fields", default=None)


@contextmanager
def request_context(**fields: Any) -> Iterator[dict[str, Any]]:
    """Open a fresh set of log fields for one request (or job); closed when the block ends."""
    current: dict[str, Any] = dict(fields)
    token = _fields.set(current)
    try:
        yield current
    finally:
        _fields.reset(token)


def bind(**fields: Any) -> None:
    """Add fields (business id, batch size, ...) to every later log line of the current request."""
    current = _fields.get()
    if current is not None:
        current.update({k: v for k, v in fields.items() if v is not None})


def current_fields() -> dict[str, Any]:
    """The fields bound to the current request (empty outside one)."""
    return dict(_fields.get() or {})
