"""Real `orderflow serve` processes for tests: free ports, readiness, SIGTERM or SIGKILL."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx


def free_port() -> int:
    """A port the OS says is free right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def stop_process(process: subprocess.Popen[bytes], timeout: float = 15) -> None:
    """SIGTERM, then SIGKILL if it is still running after `timeout` seconds."""
    if process.poll() is None:
        process.terminate()
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(timeout=timeout)
    if process.poll() is None:
        process.kill()
        process.wait(timeout=timeout)


@dataclass
class Server:
    """One `orderflow serve` (its uvicorn supervisor and workers share a process group)."""

    url: str
    process: subprocess.Popen[bytes]
    log: Path

    def kill(self) -> None:
        """SIGKILL the whole server at once, as a crash would."""
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=30)

    def stop(self) -> None:
        """SIGTERM, then SIGKILL whatever is left after a few seconds."""
        if self.process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGTERM)
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.process.wait(timeout=10)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.process.wait(timeout=10)


def start_server(
    database_url: str, log_dir: Path, *, workers: int = 1, env: dict[str, str] | None = None
) -> Server:
    """Start `orderflow serve` on a free port and wait until `/healthz` answers 200."""
    port = free_port()
    log = log_dir / f"server-{port}.log"
    environment = {
        **os.environ,
        "ORDERFLOW_DATABASE_URL": database_url,
        "ORDERFLOW_ENV": "development",  # the built-in secret key is refused in production
        "ORDERFLOW_RATE_LIMIT_PER_10S": "0",
        "ORDERFLOW_RATE_LIMIT_PER_HOUR": "0",
        **(env or {}),
    }
    with log.open("wb") as out:
        process = subprocess.Popen(
            [
                *(sys.executable, "-m", "orderflow", "serve", "--host", "127.0.0.1"),
                *("--port", str(port), "--workers", str(workers), "--no-access-log"),
                *("--graceful-timeout", "5"),
            ],
            env=environment,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    server = Server(f"http://127.0.0.1:{port}", process, log)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited early:\n{log.read_text()[-3000:]}")
        with contextlib.suppress(httpx.HTTPError):
            if httpx.get(f"{server.url}/healthz", timeout=2).status_code == 200:
                return server
        time.sleep(0.1)
    server.stop()
    raise RuntimeError(f"server did not become ready:\n{log.read_text()[-3000:]}")


@contextlib.contextmanager
def running_server(
    database_url: str, log_dir: Path, *, workers: int = 1, env: dict[str, str] | None = None
) -> Iterator[Server]:
    """A started server, stopped on the way out."""
    server = start_server(database_url, log_dir, workers=workers, env=env)
    try:
        yield server
    finally:
        server.stop()
