"""A TCP proxy in front of a server, for tests of a network that goes silent: while `silent`, it
keeps every connection open and accepts new ones, but relays nothing either way (a partition,
or a frozen host, as the client sees it); `speak()` relays again."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator


class SilentableProxy:
    def __init__(self, target_host: str, target_port: int) -> None:
        self._target = (target_host, target_port)
        self._speaking = asyncio.Event()
        self._speaking.set()
        self._server: asyncio.Server | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        self.port = 0

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._accept, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]

    def go_silent(self) -> None:
        self._speaking.clear()

    def speak(self) -> None:
        self._speaking.set()

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await self._speaking.wait()  # a silent network: the connect never gets an answer
        try:
            up_reader, up_writer = await asyncio.open_connection(*self._target)
        except OSError:
            writer.close()
            return
        for source, sink in ((reader, up_writer), (up_reader, writer)):
            task = asyncio.create_task(self._pipe(source, sink))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    async def _pipe(self, source: asyncio.StreamReader, sink: asyncio.StreamWriter) -> None:
        with contextlib.suppress(OSError, asyncio.CancelledError):
            while data := await source.read(65536):
                await self._speaking.wait()  # held, not dropped, while silent
                sink.write(data)
                await sink.drain()
        sink.close()

    async def close(self) -> None:
        if self._server is not None:
            self._server.close()
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)


@contextlib.asynccontextmanager
async def silentable_proxy(host: str, port: int) -> AsyncIterator[SilentableProxy]:
    proxy = SilentableProxy(host, port)
    await proxy.start()
    try:
        yield proxy
    finally:
        proxy.speak()
        await proxy.close()
