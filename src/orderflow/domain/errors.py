"""Domain and service errors. They carry no HTTP codes: `api/errors.py` maps them in one table."""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID


class OrderflowError(Exception):
    """Base class of every error orderflow raises on purpose."""

    code = "error"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class NotFound(OrderflowError):
    code = "not_found"


class Unauthorized(OrderflowError):
    code = "unauthorized"


class Forbidden(OrderflowError):
    code = "forbidden"


class InvalidInput(OrderflowError):
    """A request that is well-formed JSON but asks for something impossible (field → messages)."""

    code = "validation_error"

    def __init__(self, message: str, errors: dict[str, list[str]] | None = None) -> None:
        super().__init__(message)
        self.errors = errors or {}


@dataclass(frozen=True, slots=True)
class Rejection:
    """One order of a batch that was not changed, and why: `id` as the caller named it, and the
    order's own ids when it exists."""

    id: int | UUID
    error_code: str
    error: str
    legacy_id: int | None = None
    uuid: UUID | None = None


class BatchRefused(OrderflowError):
    """An all-or-nothing batch in which at least one order is unknown or refuses the change."""

    def __init__(self, code: str, message: str, rejected: list[Rejection]) -> None:
        super().__init__(message)
        self.code = code
        self.rejected = rejected


class WebhookTestFailed(OrderflowError):
    """An endpoint did not answer `business.test_event` with 2xx, so it is not activated."""

    code = "webhook_test_failed"
