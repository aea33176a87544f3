"""A small HTTP/1.1 keep-alive client on asyncio streams (uvloop), cheap enough to share 2 cores.

The load generator runs on the same machine as the server and the database, so it must cost as
little CPU as possible: requests are pre-rendered bytes, answers are read by Content-Length, and
the only JSON parsed is the status line's code. One client = one connection, as a seller's
integration would hold.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import orjson

CHANGE_STATUS = "/v3/orders/change-status"


class HttpConnection:
    """One keep-alive connection to the server."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, host: str):
        self._reader = reader
        self._writer = writer
        self._host = host

    @classmethod
    async def open(cls, port: int) -> HttpConnection:
        reader, writer = await asyncio.open_connection("127.0.0.1", port, limit=2**22)
        return cls(reader, writer, f"127.0.0.1:{port}")

    async def post(
        self, path: str, body: bytes, key: str, request_id: str | None = None
    ) -> tuple[int, bytes]:
        """POST `body` as JSON (with `request_id` as its X-Request-ID); the status code and
        the answer's body."""
        named = f"X-Request-ID: {request_id}\r\n" if request_id else ""
        head = (
            f"POST {path} HTTP/1.1\r\nHost: {self._host}\r\nAuthorization: Bearer {key}\r\n"
            f"{named}Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
        ).encode()
        self._writer.write(head + body)
        raw = await self._reader.readuntil(b"\r\n\r\n")
        lines = raw.split(b"\r\n")
        status = int(lines[0].split(b" ", 2)[1])
        length = next(
            int(line.split(b":", 1)[1])
            for line in lines
            if line.lower().startswith(b"content-length:")
        )
        return status, await self._reader.readexactly(length)

    async def close(self) -> None:
        self._writer.close()
        await self._writer.wait_closed()


def change_body(
    ids: Sequence[object], status: str, payment_status: str, extra: dict[str, object]
) -> bytes:
    """A change-status request body."""
    return orjson.dumps(
        {"ids": ids, "status": status, "payment_status": payment_status, "by": "benchmark", **extra}
    )


@dataclass
class LoadResult:
    latencies: list[float] = field(default_factory=list)
    errors: int = 0
    first_error: str | None = None
    elapsed: float = 0.0


async def closed_loop(
    clients: int,
    seconds: float,
    run_one: Callable[[int], object],
) -> LoadResult:
    """`clients` tasks each calling `run_one(client)` back to back for `seconds`.

    `run_one` is a coroutine function returning None on success or an error description.
    """
    result = LoadResult()
    deadline = time.perf_counter() + seconds

    async def client(n: int) -> None:
        while time.perf_counter() < deadline:
            start = time.perf_counter()
            try:
                problem = await run_one(n)  # type: ignore[misc]
            except Exception as exc:  # a dropped connection counts as an error, the run goes on
                problem = f"{type(exc).__name__}: {exc}"
            result.latencies.append(time.perf_counter() - start)
            if problem is not None:
                result.errors += 1
                result.first_error = result.first_error or str(problem)

    began = time.perf_counter()
    await asyncio.gather(*(client(n) for n in range(clients)))
    result.elapsed = time.perf_counter() - began
    return result
