"""A real HTTP webhook receiver on a free localhost port, and helpers to verify what it got.

The verification functions are written from the documentation (docs/webhooks.md), not imported
from orderflow, so the tests check the documented contract.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass(frozen=True)
class Received:
    headers: dict[str, str]
    body: bytes
    status: int  # what the receiver answered

    @property
    def json(self) -> dict[str, Any]:
        data: dict[str, Any] = json.loads(self.body)
        return data

    @property
    def webhook_id(self) -> str:
        return self.headers["webhook-id"]


# An answer policy: given the request and how many times this webhook-id came before, a status.
Answer = Callable[[Received, int], int]


def always(status: int) -> Answer:
    return lambda _request, _seen: status


def fail_first(n: int, status: int = 500) -> Answer:
    """Answer `status` to the first `n` tries of each event, then 200."""
    return lambda _request, seen: status if seen < n else 200


@dataclass
class Receiver:
    answer: Answer = field(default_factory=lambda: always(200))
    requests: list[Received] = field(default_factory=list)
    url: str = ""
    # When set, a request blocks (before answering) until `release` is set.
    hold: threading.Event | None = None
    release: threading.Event = field(default_factory=threading.Event)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _seen: dict[str, int] = field(default_factory=dict)

    def handle(self, headers: dict[str, str], body: bytes) -> int:
        with self._lock:
            message_id = headers.get("webhook-id", "")
            seen = self._seen.get(message_id, 0)
            self._seen[message_id] = seen + 1
            status = self.answer(Received(headers, body, 0), seen)
            self.requests.append(Received(headers, body, status))
        if self.hold is not None:
            self.hold.set()
            self.release.wait(30)
        return status

    def accepted(self) -> list[Received]:
        """The requests answered with 2xx, in arrival order."""
        with self._lock:
            return [r for r in self.requests if 200 <= r.status < 300]

    def all(self) -> list[Received]:
        with self._lock:
            return list(self.requests)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        headers = {k.lower(): v for k, v in self.headers.items()}
        status = self.server.receiver.handle(headers, body)
        self.send_response(status)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, format: str, *args: Any) -> None:
        pass


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128
    receiver: Receiver


@contextmanager
def running_receiver(answer: Answer | None = None, host: str = "127.0.0.1") -> Iterator[Receiver]:
    """A receiver listening on `host` on a port the OS picks, for the duration."""
    receiver = Receiver() if answer is None else Receiver(answer=answer)
    server = _Server((host, 0), _Handler)
    server.receiver = receiver
    receiver.url = f"http://{host}:{server.server_address[1]}/hooks"
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    try:
        yield receiver
    finally:
        receiver.release.set()
        server.shutdown()
        server.server_close()
        thread.join()


# --- verification, exactly as docs/webhooks.md shows it ---------------------------------------


def verify_scalev(secret: str, body: bytes, signature: str) -> bool:
    expected = base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()
    return hmac.compare_digest(expected, signature)


def verify_standard(secret: str, headers: dict[str, str], body: bytes) -> bool:
    key = base64.b64decode(secret.removeprefix("whsec_"))
    msg_id, timestamp = headers["webhook-id"], headers["webhook-timestamp"]
    signed = f"{msg_id}.{timestamp}.".encode() + body
    expected = base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()
    return any(
        hmac.compare_digest(expected, sig.removeprefix("v1,"))
        for sig in headers["webhook-signature"].split()
        if sig.startswith("v1,")
    )
