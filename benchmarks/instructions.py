"""`python -m benchmarks.instructions`: CPU instructions per change-status request, in-process.

Wall-clock figures on a shared 2-core machine move by ±25 % from one run to the next; counted
instructions do not (valgrind's callgrind counts them, whatever else the machine is doing). This
runs the real app (every middleware, dependency, service and SQL statement) on a seeded database
and sends it requests straight through ASGI, with no HTTP server or client around it; callgrind
counts only the measured loop (instrumentation is switched on and off around it with
`callgrind_control`). SQLite's own work runs in-process, so it is counted; PostgreSQL's runs in
the server's processes and is not. Asserts nothing: it prints instructions per request.

    python -m benchmarks.instructions                      # both databases, 1 and 10 ids
    python -m benchmarks.instructions --only sqlite --ids 10 --requests 300
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from benchmarks import databases
from benchmarks.http_load import CHANGE_STATUS, change_body
from benchmarks.workload import SMALL, IdPool

WARMUP = 200
_SYNC = "ORDERFLOW_BENCH_SYNC_DIR"


async def _call(app: Any, body: bytes, key: str) -> None:
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": CHANGE_STATUS,
        "raw_path": CHANGE_STATUS.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [
            (b"host", b"bench"),
            (b"content-type", b"application/json"),
            (b"authorization", b"Bearer " + key.encode()),
            (b"content-length", str(len(body)).encode()),
        ],
        "client": ("127.0.0.1", 1),
        "server": ("127.0.0.1", 80),
    }
    sent: list[dict[str, Any]] = []
    received = False

    async def receive() -> dict[str, Any]:
        nonlocal received
        if received:  # the app never asks twice for a request it has read whole
            raise RuntimeError("receive() called again")
        received = True
        return {"type": "http.request", "body": body, "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    await app(scope, receive, send)
    if sent[0]["status"] != 200:
        raise RuntimeError(f"HTTP {sent[0]['status']}: {sent[1].get('body', b'')[:300]!r}")


def _wait_for(path: Path) -> None:
    while not path.exists():
        time.sleep(0.05)


async def _child(kind: str, ids: int, requests: int) -> None:
    """Runs under callgrind: warm up, then the measured loop between the parent's signals."""
    from orderflow.api.app import create_app, tune_garbage_collector
    from orderflow.config import Settings

    sync = Path(os.environ[_SYNC])
    orders = 2 * (WARMUP + requests) * ids + 1_000
    database = databases.postgres(orders) if kind == "postgresql" else databases.sqlite(orders)
    async with database as db:
        settings = Settings(
            database_url=db.url,
            env="development",
            rate_limit_per_10s=0,
            rate_limit_per_hour=0,
            webhook_relay_in_process=False,
            log_level="warning",
        )
        app = create_app(settings)
        tune_garbage_collector()
        pool = IdPool(db.first_id, db.last_id)
        # Every request changes every order it names: each batch toggles between two targets.
        batches = [pool.take(ids) for _ in range(WARMUP)]
        bodies = [
            [change_body(b, t.status, t.payment_status, t.payment) for t in SMALL] for b in batches
        ]
        async with app.router.lifespan_context(app):
            for n in range(WARMUP):
                await _call(app, bodies[n][0], db.api_key)
            (sync / "ready").touch()
            _wait_for(sync / "go")
            for n in range(requests):
                await _call(app, bodies[n % WARMUP][(n // WARMUP + 1) % 2], db.api_key)
            (sync / "done").touch()
            _wait_for(sync / "end")


def _callgrind_control(instrumentation: str, pid: int) -> None:
    subprocess.run(
        ["callgrind_control", "-i", instrumentation, str(pid)],
        check=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def measure(kind: str, ids: int, requests: int) -> int:
    """Instructions per request of `ids` ids on `kind`, counted by callgrind."""
    with tempfile.TemporaryDirectory(prefix="orderflow-instr-") as tmp:
        sync, out = Path(tmp), Path(tmp) / "callgrind.out"
        child = subprocess.Popen(
            [
                *("valgrind", "--tool=callgrind", "--instr-atstart=no"),
                f"--callgrind-out-file={out}",
                *(sys.executable, "-m", "benchmarks.instructions", "--child", kind),
                *("--ids", str(ids), "--requests", str(requests)),
            ],
            env={**os.environ, _SYNC: tmp},
            stdout=subprocess.DEVNULL,
            stderr=(sync / "log").open("wb"),
        )
        try:
            while not (sync / "ready").exists():
                if child.poll() is not None:
                    raise RuntimeError((sync / "log").read_text()[-2000:])
                time.sleep(0.2)
            subprocess.run(
                ["callgrind_control", "-i", "on", str(child.pid)],
                check=True,
                stdout=subprocess.DEVNULL,
            )
            (sync / "go").touch()
            _wait_for(sync / "done")
            subprocess.run(
                ["callgrind_control", "-i", "off", str(child.pid)],
                check=True,
                stdout=subprocess.DEVNULL,
            )
            (sync / "end").touch()
            child.wait(timeout=600)
        finally:
            if child.poll() is None:
                child.kill()
        totals = [
            line.split()[1]
            for f in sync.glob("callgrind.out*")
            for line in f.read_text().splitlines()
            if line.startswith("totals:")
        ]
        return sum(int(t) for t in totals) // requests


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", choices=("postgresql", "sqlite"))
    parser.add_argument("--ids", type=int, action="append", help="ids per request (1 and 10)")
    parser.add_argument("--requests", type=int, default=300, help="measured requests")
    parser.add_argument("--child", choices=("postgresql", "sqlite"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        import uvloop

        uvloop.run(_child(args.child, args.ids[0], args.requests))
        return
    if shutil.which("valgrind") is None or shutil.which("callgrind_control") is None:
        raise SystemExit("needs valgrind (apt-get install valgrind)")
    for kind in [args.only] if args.only else ["postgresql", "sqlite"]:
        for ids in args.ids or [1, 10]:
            per_request = measure(kind, ids, args.requests)
            print(f"{kind} {ids:>5} ids: {per_request / 1e6:6.2f} M instructions per request")


if __name__ == "__main__":
    main()
