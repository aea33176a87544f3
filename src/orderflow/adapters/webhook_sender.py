"""Webhook HTTP: POSTing to receivers with httpx, and resolving their host names."""

from __future__ import annotations

import asyncio
import socket
import time
from collections.abc import Mapping
from types import TracebackType
from typing import Self

import httpx

from orderflow.services.webhook_ports import SendResult

USER_AGENT = "orderflow-webhooks/0.1"


class HttpxWebhookSender:
    """The `WebhookSender` port: one pooled client, no redirects, a hard timeout per request."""

    def __init__(self, timeout_s: float) -> None:
        self._client = httpx.AsyncClient(
            timeout=httpx.Timeout(timeout_s),
            follow_redirects=False,
            headers={"User-Agent": USER_AGENT},
            limits=httpx.Limits(max_connections=100, max_keepalive_connections=20),
            trust_env=False,
        )

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Close every pooled connection."""
        await self._client.aclose()

    async def post(self, url: str, body: bytes, headers: Mapping[str, str]) -> SendResult:
        """POST `body`; a timeout or connection failure is a result with an error, not a raise."""
        started = time.perf_counter()
        try:
            response = await self._client.post(url, content=body, headers=dict(headers))
        except httpx.HTTPError as exc:
            return SendResult(None, _ms_since(started), f"{type(exc).__name__}: {exc}".strip())
        return SendResult(response.status_code, _ms_since(started), None)


def _ms_since(started: float) -> int:
    return round((time.perf_counter() - started) * 1000)


async def resolve_host(host: str) -> list[str]:
    """Every IP address `host` resolves to (empty when it does not resolve)."""
    try:
        infos = await asyncio.get_running_loop().getaddrinfo(host, None, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError):
        return []
    return sorted({str(info[4][0]) for info in infos})
