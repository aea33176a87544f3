"""Retrying commands the database aborted to settle a conflict."""

from __future__ import annotations

import pytest

from orderflow.api.errors import error_answer
from orderflow.contracts.versions import Contract
from orderflow.services.retry import ATTEMPTS, retrying
from orderflow.services.storage_errors import StorageConflict, StorageUnavailable


async def test_a_conflict_is_run_again_until_it_succeeds() -> None:
    calls = []

    async def command() -> str:
        calls.append(1)
        if len(calls) < 3:
            raise StorageConflict("deadlock")
        return "done"

    assert await retrying(command) == "done"
    assert len(calls) == 3


async def test_when_retries_run_out_the_conflict_goes_through() -> None:
    calls = []

    async def command() -> None:
        calls.append(1)
        raise StorageConflict("deadlock")

    with pytest.raises(StorageConflict):
        await retrying(command)
    assert len(calls) == ATTEMPTS


async def test_unavailable_is_not_retried() -> None:
    calls = []

    async def command() -> None:
        calls.append(1)
        raise StorageUnavailable("down")

    with pytest.raises(StorageUnavailable):
        await retrying(command)
    assert len(calls) == 1


@pytest.mark.parametrize(
    ("error", "code"),
    [(StorageConflict("x"), "database_busy"), (StorageUnavailable("x"), "database_unavailable")],
)
def test_storage_errors_are_503_with_retry_after(error: Exception, code: str) -> None:
    status, body, headers = error_answer(error, Contract.V2026_07_21)  # type: ignore[arg-type]
    assert (status, body["error_code"], headers) == (503, code, {"Retry-After": "1"})
