"""A client that sends an oversized body whole, as urllib, httpx and requests do, reads the 413
from a real server instead of a broken pipe or a reset (the body is read and discarded first,
up to `DRAIN_BYTES`)."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from orderflow.api.middleware import DRAIN_BYTES, MAX_BODY_BYTES
from tests.conftest import Database
from tests.servers import Server, running_server

URL = "/v3/orders/change-status"
THREE_MB = b'{"ids": [1], "status": "confirmed", "by": "' + b"x" * (3 * 1024 * 1024) + b'"}'


@pytest.fixture
def server(sqlite_database: Database, tmp_path: Path) -> Iterator[Server]:
    with running_server(sqlite_database.fresh_url(tmp_path), tmp_path) as running:
        yield running


def test_urllib_reads_the_413(server: Server) -> None:
    assert len(THREE_MB) > MAX_BODY_BYTES
    request = urllib.request.Request(
        server.url + URL, data=THREE_MB, headers={"Content-Type": "application/json"}
    )
    for _ in range(3):  # not a lucky race: every time
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(request, timeout=30)
        assert refused.value.code == 413
        assert json.loads(refused.value.read())["error_code"] == "payload_too_large"


@pytest.mark.parametrize("chunked", [False, True])
def test_httpx_reads_the_413(server: Server, chunked: bool) -> None:
    def chunks() -> Iterator[bytes]:
        for start in range(0, len(THREE_MB), 65536):
            yield THREE_MB[start : start + 65536]

    with httpx.Client(base_url=server.url, timeout=30) as client:
        for _ in range(3):
            response = client.post(
                URL,
                content=chunks() if chunked else THREE_MB,
                headers={"Content-Type": "application/json"},
            )
            assert response.status_code == 413
            assert response.json()["error_code"] == "payload_too_large"


def test_past_the_drain_bound_the_connection_closes(server: Server) -> None:
    # A declared length past the bound is refused at once: the server does not read 9 MB to
    # say no. The client may see the 413 or a closed connection, and the server stays up.
    body = b"x" * (DRAIN_BYTES + 1024 * 1024)
    with httpx.Client(base_url=server.url, timeout=30) as client:
        try:
            answered = client.post(URL, content=body).status_code
        except httpx.TransportError:
            answered = None
        assert answered in (413, None)
        assert client.get("/healthz").status_code == 200
