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
    """The `WebhookSender` port: pooled clients, no redirects, a hard timeout per request.

    A POST given the `address` its URL's host was checked at connects there, not to whatever the
    name resolves to by then: the URL's host becomes that address, the name stays in the Host
    header and, over TLS, in the SNI and the certificate check (httpcore's `sni_hostname`). Such
    POSTs go through one client per host name, so a pooled connection opened for one name (and
    its certificate) is never reused for another name on the same address.
    """

    def __init__(self, timeout_s: float) -> None:
        self._timeout_s = timeout_s
        self._client = self._new_client()
        self._pinned: dict[str, httpx.AsyncClient] = {}

    def _new_client(self) -> httpx.AsyncClient:
        return httpx.AsyncClient(
            timeout=httpx.Timeout(self._timeout_s),
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
        for client in (self._client, *self._pinned.values()):
            await client.aclose()

    async def post(
        self, url: str, body: bytes, headers: Mapping[str, str], address: str | None = None
    ) -> SendResult:
        """POST `body` (to `address`, when given); a timeout or connection failure is a result
        with an error, not a raise."""
        started = time.perf_counter()
        try:
            if address is None:
                response = await self._client.post(url, content=body, headers=dict(headers))
            else:
                target = httpx.URL(url)
                client = self._pinned.get(target.host)
                if client is None:
                    client = self._pinned[target.host] = self._new_client()
                response = await client.post(
                    target.copy_with(host=address),
                    content=body,
                    headers={**headers, "Host": target.netloc.decode("ascii")},
                    extensions={"sni_hostname": target.host},
                )
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
