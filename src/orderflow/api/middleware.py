"""ASGI middleware: the request id every request carries (accepted from the client or made)."""

from __future__ import annotations

import re
import uuid

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from orderflow.contracts.versions import CONTRACT_HEADER, NEWEST, parse_contract

REQUEST_ID_HEADER = "x-request-id"
_VALID_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")
_CONTRACT_HEADER = CONTRACT_HEADER.lower().encode()


class RequestIdMiddleware:
    """Puts `request_id` in `scope["state"]` and echoes it as `X-Request-ID` on the response,
    with the caller's `X-Ratelimit-*` once authentication has counted the request, and the
    contract version the answer is in (`Orderflow-Contract`)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        given = next(
            (v.decode("latin-1") for k, v in scope["headers"] if k == REQUEST_ID_HEADER.encode()),
            "",
        )
        request_id = given if _VALID_REQUEST_ID.match(given) else uuid.uuid4().hex
        scope.setdefault("state", {})["request_id"] = request_id
        asked = next(
            (v.decode("latin-1") for k, v in scope["headers"] if k == _CONTRACT_HEADER), None
        )
        # Until authentication settles it: the version asked for if it is one, else the newest.
        fallback = (parse_contract(asked) if asked is not None else None) or NEWEST

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                headers["X-Request-ID"] = request_id
                headers[CONTRACT_HEADER] = str(scope["state"].get("contract") or fallback)
                rate_limit = scope["state"].get("rate_limit")
                if rate_limit is not None:
                    # Set by authentication: every answer to a known key carries its limits.
                    headers["X-Ratelimit-Limit"] = str(rate_limit.limit)
                    headers["X-Ratelimit-Remaining"] = str(rate_limit.remaining)
                    headers["X-Ratelimit-Reset"] = str(rate_limit.reset_s)
            await send(message)

        await self.app(scope, receive, send_with_id)


MAX_BODY_BYTES = 2 * 1024 * 1024
# An oversized body is read and thrown away up to this many bytes before the 413 is sent: a
# client that writes its whole body before reading (urllib, httpx, requests) would otherwise get
# a broken pipe or a reset instead of the answer, and might retry. Past it, the answer goes at
# once and the connection closes.
DRAIN_BYTES = 8 * 1024 * 1024
# Routes that take files get more (the CSV upload: 5 MiB of file plus multipart framing).
BODY_LIMITS: dict[str, int] = {"/v3/orders/upload-change-status": 6 * 1024 * 1024}
_TOO_LARGE = b'{"error":"Request body too large","error_code":"payload_too_large"}'
_NUL_IN_QUERY = (
    b'{"error":"Invalid request: query","error_code":"validation_error",'
    b'"errors":{"query":["must not contain NUL (%00) characters"]}}'
)


class BodyLimitMiddleware:
    """Answers 413 to a body over its route's limit before anything reads or parses it (and 400
    to a NUL in the query string, which no database column can hold)."""

    def __init__(
        self, app: ASGIApp, default: int = MAX_BODY_BYTES, per_path: dict[str, int] | None = None
    ) -> None:
        self.app = app
        self.default = default
        self.per_path = BODY_LIMITS if per_path is None else per_path

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if b"%00" in scope["query_string"]:
            await _refuse(send, 400, _NUL_IN_QUERY)
            return
        limit = self.per_path.get(scope["path"], self.default)
        headers = dict(scope["headers"])
        declared = headers.get(b"content-length")
        if declared is not None:
            if not declared.isdigit():
                await _refuse(send, 413, _TOO_LARGE)
                return
            if int(declared) > limit:
                if int(declared) <= DRAIN_BYTES:
                    await _discard(receive, 0)
                await _refuse(send, 413, _TOO_LARGE)
                return
        elif b"transfer-encoding" in headers:
            # No length given (chunked): read up to the limit before the app sees any of it.
            messages: list[Message] = []
            size = 0
            while True:
                message = await receive()
                messages.append(message)
                size += len(message.get("body", b""))
                more = message["type"] == "http.request" and message.get("more_body", False)
                if size > limit:
                    if more:
                        await _discard(receive, size)
                    await _refuse(send, 413, _TOO_LARGE)
                    return
                if not more:
                    break
            receive = _replaying(messages, receive)
        await self.app(scope, receive, send)


async def _discard(receive: Receive, size: int) -> None:
    """Read the rest of the body and throw it away, up to `DRAIN_BYTES` in all."""
    while size <= DRAIN_BYTES:
        message = await receive()
        if message["type"] != "http.request":
            return  # the client went away
        size += len(message.get("body", b""))
        if not message.get("more_body", False):
            return


def _replaying(messages: list[Message], receive: Receive) -> Receive:
    async def replay() -> Message:
        return messages.pop(0) if messages else await receive()

    return replay


async def _refuse(send: Send, status: int, body: bytes) -> None:
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                (b"connection", b"close"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
