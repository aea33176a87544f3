"""A real `orderflow serve` in a subprocess on a free port, with its log lines collected."""

from __future__ import annotations

import json
import os
import queue
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import httpx


def free_port() -> int:
    """A port the OS says is free right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def accepts_connections(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1):
            return True
    except OSError:
        return False


class ServerProcess:
    """One `orderflow serve` and every line it wrote to stderr (JSON log lines parsed)."""

    def __init__(self, proc: subprocess.Popen[str], port: int) -> None:
        self.proc = proc
        self.port = port
        self.base_url = f"http://127.0.0.1:{port}"
        self.lines: list[str] = []
        self._new: queue.Queue[str] = queue.Queue()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.proc.stderr is not None
        for line in self.proc.stderr:
            self.lines.append(line.rstrip("\n"))
            self._new.put(line)

    def entries(self) -> list[dict[str, Any]]:
        """The JSON log lines written so far."""
        found = []
        for line in list(self.lines):
            if line.startswith("{"):
                found.append(json.loads(line))
        return found

    def wait_for_log(
        self, matches: Callable[[dict[str, Any]], bool], timeout: float = 60
    ) -> dict[str, Any]:
        """The first log entry (already written or coming) for which `matches` is true."""
        deadline = time.monotonic() + timeout
        for entry in self.entries():
            if matches(entry):
                return entry
        while time.monotonic() < deadline:
            try:
                line = self._new.get(timeout=0.2)
            except queue.Empty:
                if self.proc.poll() is not None:
                    break
                continue
            if line.startswith("{") and matches(entry := json.loads(line)):
                return entry
        raise AssertionError("no such log line; the server wrote:\n" + "\n".join(self.lines))

    def wait_ready(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise AssertionError("server exited:\n" + "\n".join(self.lines))
            try:
                if httpx.get(f"{self.base_url}/healthz", timeout=2).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.1)
        raise AssertionError("server did not start:\n" + "\n".join(self.lines))

    def terminate(self) -> None:
        """Send SIGTERM (what systemd and container runtimes send to stop a service)."""
        self.proc.send_signal(signal.SIGTERM)

    def wait_exit(self, timeout: float = 120) -> int:
        """The exit status once the process ends (-15: it re-raised SIGTERM after shutting
        down cleanly, as uvicorn does, which systemd counts as a clean stop)."""
        code = self.proc.wait(timeout=timeout)
        self._reader.join(timeout=10)
        return code

    def stopped_cleanly(self, code: int) -> bool:
        return code in (0, -signal.SIGTERM) and not any(
            '"level":"error"' in line or "Traceback" in line for line in self.lines
        )


@contextmanager
def orderflow_serve(
    database_url: str, *args: str, env: dict[str, str] | None = None
) -> Iterator[ServerProcess]:
    """Start `orderflow serve` (development mode, debug logs) and stop it when done."""
    port = free_port()
    command: Sequence[str] = (
        sys.executable, "-m", "orderflow", "serve", "--host", "127.0.0.1", "--port", str(port),
        *args,
    )  # fmt: skip
    full_env = {
        **os.environ,
        "ORDERFLOW_DATABASE_URL": database_url,
        "ORDERFLOW_ENV": "development",
        "ORDERFLOW_LOG_LEVEL": "debug",
        "ORDERFLOW_LOG_FORMAT": "json",
        **(env or {}),
    }
    full_env.pop("PROMETHEUS_MULTIPROC_DIR", None)
    proc = subprocess.Popen(
        command, env=full_env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True
    )
    server = ServerProcess(proc, port)
    try:
        server.wait_ready()
        yield server
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(timeout=30)
        server._reader.join(timeout=10)
        if proc.stderr is not None:
            proc.stderr.close()
