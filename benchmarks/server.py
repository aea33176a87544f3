"""The real server, as production runs it: `orderflow serve` (uvicorn), access log off.

Also reads the server's memory from /proc: resident set before a request and its peak during it
(the peak is reset through /proc/<pid>/clear_refs, so each request is measured on its own).
"""

from __future__ import annotations

import contextlib
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

SERVER_ENV = {
    "ORDERFLOW_ENV": "production",
    # Production refuses the built-in development key (orderflow/safety.py).
    "ORDERFLOW_SECRET_KEY": secrets.token_urlsafe(48),
    "ORDERFLOW_ENCRYPTION_KEYS": secrets.token_urlsafe(32),
    # Rate limits off: the benchmark is one client sending as fast as it can.
    "ORDERFLOW_RATE_LIMIT_PER_10S": "0",
    "ORDERFLOW_RATE_LIMIT_PER_HOUR": "0",
}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Server:
    """`orderflow serve` on a free port, for `database_url`, with `workers` processes."""

    def __init__(self, database_url: str, workers: int, env: dict[str, str] | None = None) -> None:
        self.port = free_port()
        self.workers = workers
        env = {**os.environ, **SERVER_ENV, "ORDERFLOW_DATABASE_URL": database_url, **(env or {})}
        self._log = Path(os.environ.get("TMPDIR", "/tmp")) / f"orderflow-bench-{self.port}.log"
        self._log_file = self._log.open("wb")
        self._proc = subprocess.Popen(
            [
                *(sys.executable, "-m", "orderflow", "serve", "--host", "127.0.0.1"),
                *("--port", str(self.port), "--workers", str(workers), "--no-access-log"),
            ],
            env=env,
            stdout=self._log_file,
            stderr=subprocess.STDOUT,
        )
        self._wait_ready()

    def _wait_ready(self, timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        url = f"http://127.0.0.1:{self.port}/healthz"
        while time.monotonic() < deadline:
            if self._proc.poll() is not None:
                raise RuntimeError(f"server exited; see {self._log}")
            try:
                with urllib.request.urlopen(url, timeout=1) as answer:
                    if answer.status == 200 and len(self.pids()) >= self.workers:
                        return
            except OSError:
                pass
            time.sleep(0.2)
        raise RuntimeError(f"server not ready after {timeout}s; see {self._log}")

    def pids(self) -> list[int]:
        """The server process and its worker processes."""
        found, todo = [], [self._proc.pid]
        while todo:
            pid = todo.pop()
            found.append(pid)
            with contextlib.suppress(OSError):  # the process has just exited
                children = Path(f"/proc/{pid}/task/{pid}/children").read_text()
                todo += [int(c) for c in children.split()]
        return found if len(found) == 1 else found[1:]

    def stop(self) -> None:
        """Stop the server; its log is kept only when it did not stop cleanly."""
        self._proc.send_signal(signal.SIGINT)
        try:
            self._proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self._proc.kill()
            self._proc.wait()
        self._log_file.close()
        if self._proc.returncode == 0:
            self._log.unlink(missing_ok=True)


def _status_kb(pid: int, field: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return 0


class RssProbe:
    """Peak resident-set growth of any of `pids` between `start()` and `growth_mb()`."""

    def __init__(self, pids: list[int]) -> None:
        self._pids = pids
        self._before: dict[int, int] = {}

    def start(self) -> None:
        for pid in self._pids:
            Path(f"/proc/{pid}/clear_refs").write_text("5")  # resets VmHWM to the current RSS
            self._before[pid] = _status_kb(pid, "VmRSS")

    def growth_mb(self) -> float:
        return max(_status_kb(p, "VmHWM") - self._before[p] for p in self._pids) / 1024
