"""Driver errors translated into the ports' errors: unavailable (503) or a conflict to retry."""

from __future__ import annotations

from sqlalchemy import exc as sa_exc

from orderflow.domain.errors import InvalidInput, OrderflowError
from orderflow.observability.metrics import DB_ERRORS, DB_RETRIES
from orderflow.services.storage_errors import StorageConflict, StorageUnavailable

# SQLSTATEs after which running the transaction again can succeed.
_CONFLICT_STATES = frozenset({"40001", "40P01", "55P03"})  # serialization, deadlock, lock timeout
# Shutdown, crash recovery, too many connections, the whole "connection exception" class 08, and
# a read-only transaction: the host is a standby now (a failover demoted it) or fenced.
_UNAVAILABLE_STATES = frozenset({"57P01", "57P02", "57P03", "53300", "53400", "25006"})
_SQLITE_BUSY = ("database is locked", "database table is locked")
# Text PostgreSQL cannot store (a NUL character): the request's fault, not the server's.
_UNSTORABLE_TEXT_STATES = frozenset({"22021", "22P05"})


def storage_error(exc: BaseException, *, connecting: bool = False) -> OrderflowError | None:
    """The port error `exc` stands for, or None when it is not a database availability or
    conflict problem (then it is a bug and stays what it is). Counted in the metrics."""
    error = _classify(exc, connecting=connecting)
    if isinstance(error, StorageConflict):
        DB_ERRORS.labels(kind="conflict").inc()
        DB_RETRIES.inc()
    elif isinstance(error, StorageUnavailable):
        DB_ERRORS.labels(kind="unavailable").inc()
    return error


def database_fault(exc: BaseException) -> bool:
    """Whether `exc` is the database's (or the network's) doing, not a bug: for checks that
    answer "the database is unavailable" instead of raising (readiness, the backlog gauges)."""
    return _classify(exc, connecting=True) is not None


def _classify(exc: BaseException, *, connecting: bool) -> OrderflowError | None:
    if isinstance(exc, sa_exc.TimeoutError):  # no free pooled connection in time
        return StorageUnavailable("timed out waiting for a database connection")
    if isinstance(exc, sa_exc.DBAPIError):
        return _classify_driver_error(
            exc.orig,
            lost=connecting or exc.connection_invalidated or isinstance(exc, sa_exc.InterfaceError),
            operational=isinstance(exc, sa_exc.OperationalError),
        )
    # Connecting, a driver's own errors can reach here unwrapped (a refused socket, a timeout).
    if isinstance(exc, OSError | TimeoutError | ConnectionError):
        return StorageUnavailable("the database is unavailable")
    if connecting and type(exc).__module__.startswith("asyncpg"):
        return StorageUnavailable("the database is unavailable")
    return None


def _classify_driver_error(
    orig: BaseException | None, *, lost: bool, operational: bool
) -> OrderflowError | None:
    """`lost`: the connection itself may be gone; `operational`: the driver's OperationalError
    (without a SQLSTATE, the database could not do the work at all: unavailable)."""
    state = getattr(orig, "sqlstate", None) or ""
    message = str(orig)
    if state in _CONFLICT_STATES or any(m in message for m in _SQLITE_BUSY):
        return StorageConflict("the database is busy with conflicting changes")
    if state in _UNSTORABLE_TEXT_STATES:
        return InvalidInput(
            "Invalid request: text with a NUL character",
            {"body": ["text must not contain NUL (\\u0000) characters"]},
        )
    if (
        lost
        or state in _UNAVAILABLE_STATES
        or state.startswith("08")
        or (operational and not state)
    ):
        return StorageUnavailable("the database is unavailable")
    return None
