"""What storage can fail with, as the services see it (adapters translate driver errors)."""

from __future__ import annotations

from orderflow.domain.errors import OrderflowError


class StorageUnavailable(OrderflowError):
    """The database cannot be reached or dropped the connection: retry after a moment."""

    code = "database_unavailable"


class IdempotencyKeyInUse(OrderflowError):
    """Another request with the same idempotency key is still running."""

    code = "idempotency_key_in_use"


class StorageConflict(OrderflowError):
    """The database aborted the transaction to settle a conflict (serialization failure,
    deadlock, lock timeout); running the command again can succeed."""

    code = "database_busy"
