"""A real PostgreSQL cluster for the failover tests: etcd and PostgreSQL 15 nodes managed by
Patroni, each on its own ports with its data in a temporary directory, in synchronous mode.

Started as processes (no systemd): etcd, then one `patroni` per node. PostgreSQL refuses to run as
root, so as root the nodes run as the `postgres` user. `kill` is the loss of a machine (SIGKILL to
Patroni, the postmaster and every backend at once); `stop` is a clean stop (SIGTERM to Patroni,
which shuts PostgreSQL down and hands the leader key over).
"""

from __future__ import annotations

import contextlib
import json
import os
import pwd
import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from tests.servers import free_port

PG_BIN = Path("/usr/lib/postgresql/15/bin")
TOOLS = ("patroni", "etcd")
SCOPE = "orderflow-test"


def missing_tools() -> list[str]:
    """What this machine lacks to run the cluster (Debian: `apt-get install patroni
    etcd-server`)."""
    missing = [tool for tool in TOOLS if shutil.which(tool) is None]
    if not (PG_BIN / "postgres").exists():
        missing.append(f"{PG_BIN}/postgres (postgresql-15)")
    return missing


def as_postgres_user() -> list[str]:
    """The command prefix that runs a server as the `postgres` user when this is root (PostgreSQL
    and PgBouncer refuse to run as root)."""
    if os.geteuid() != 0:
        return []
    runuser = shutil.which("runuser") or shutil.which("runuser", path="/usr/sbin:/sbin")
    return [runuser or "runuser", "-u", "postgres", "--"]


def give_to_postgres(path: Path) -> None:
    if os.geteuid() == 0:
        user = pwd.getpwnam("postgres")
        os.chown(path, user.pw_uid, user.pw_gid)


@dataclass
class Node:
    name: str
    pg_port: int
    api_port: int
    data_dir: Path
    config: Path
    log: Path
    process: subprocess.Popen[bytes] | None = None

    @property
    def api(self) -> str:
        return f"http://127.0.0.1:{self.api_port}"

    def postmaster_pid(self) -> int | None:
        try:
            return int((self.data_dir / "postmaster.pid").read_text().split()[0])
        except (OSError, ValueError, IndexError):
            return None


@dataclass
class Cluster:
    root: Path
    etcd_port: int
    nodes: list[Node]
    etcd: subprocess.Popen[bytes] | None = None
    events: list[str] = field(default_factory=list)  # what was done to it, with times

    def url(self, database: str = "postgres") -> str:
        """The libpq multi-host URL an operator writes for the cluster."""
        hosts = ",".join(f"127.0.0.1:{n.pg_port}" for n in self.nodes)
        return f"postgresql://postgres@{hosts}/{database}?target_session_attrs=read-write"

    # -- state, from Patroni's REST API -----------------------------------------------------

    def members(self) -> list[dict[str, Any]]:
        for node in self.nodes:
            with contextlib.suppress(httpx.HTTPError, ValueError):
                answer = httpx.get(f"{node.api}/cluster", timeout=2)
                if answer.status_code == 200:
                    return list(answer.json().get("members", []))
        return []

    def roles(self) -> dict[str, str]:
        """Each running member's role: leader, sync_standby, replica..."""
        return {m["name"]: m["role"] for m in self.members() if m.get("state") == "running"}

    def leader(self) -> Node | None:
        for name, role in self.roles().items():
            if role == "leader":
                return self.node(name)
        return None

    def node(self, name: str) -> Node:
        return next(n for n in self.nodes if n.name == name)

    def wait_healthy(self, timeout: float = 90) -> Node:
        """Wait for a leader with every other node its synchronous standby, streaming."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            roles = self.roles()
            leaders = [n for n, r in roles.items() if r == "leader"]
            standbys = [n for n, r in roles.items() if r == "sync_standby"]
            if len(leaders) == 1 and len(standbys) == len(self.nodes) - 1:
                return self.node(leaders[0])
            time.sleep(0.5)
        raise AssertionError(f"the cluster did not become healthy: {self.roles()}\n{self.logs()}")

    def logs(self) -> str:
        parts = []
        for path in [self.root / "etcd.log", *(n.log for n in self.nodes)]:
            with contextlib.suppress(OSError):
                parts.append(f"--- {path.name}\n" + path.read_text()[-4000:])
        return "\n".join(parts)

    # -- what happens to a node ------------------------------------------------------------

    def start(self, node: Node) -> None:
        log = node.log.open("ab")
        node.process = subprocess.Popen(
            [*as_postgres_user(), "patroni", str(node.config)],
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        log.close()
        self._note(f"start {node.name}")

    def kill(self, node: Node) -> None:
        """The machine is lost: Patroni, the postmaster and its backends die at once."""
        pids = []
        if node.process is not None:
            pids.append(node.process.pid)  # `runuser`, as root
            pids += _children(node.process.pid)  # Patroni
        postmaster = node.postmaster_pid()
        if postmaster is not None:
            pids.append(postmaster)
            pids += _children(postmaster)
        for pid in pids:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        if node.process is not None:
            node.process.wait(timeout=30)
        self._note(f"kill {node.name}")

    def stop(self, node: Node) -> None:
        """A clean stop: Patroni shuts PostgreSQL down and gives the leader key up."""
        if node.process is not None:
            patroni = _children(node.process.pid) if as_postgres_user() else [node.process.pid]
            for pid in patroni:
                os.kill(pid, signal.SIGTERM)
            node.process.wait(timeout=60)
        self._note(f"stop {node.name}")

    def _note(self, what: str) -> None:
        self.events.append(f"{time.strftime('%H:%M:%S')} {what}")


def _children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        with contextlib.suppress(OSError, IndexError, ValueError):
            # The field after the command name (which may hold spaces) in parentheses.
            stat = (entry / "stat").read_text()
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(entry.name))
    return found


def _node_config(node: Node, etcd_port: int, root: Path) -> dict[str, Any]:
    trust = [
        "local all all trust",
        "host all all 127.0.0.1/32 trust",
        "host replication all 127.0.0.1/32 trust",
    ]
    return {
        "scope": SCOPE,
        "name": node.name,
        "log": {"level": "INFO"},
        "restapi": {
            "listen": f"127.0.0.1:{node.api_port}",
            "connect_address": f"127.0.0.1:{node.api_port}",
        },
        "etcd3": {"host": f"127.0.0.1:{etcd_port}"},
        "bootstrap": {
            "dcs": {
                "ttl": 10,
                "loop_wait": 2,
                "retry_timeout": 5,
                "maximum_lag_on_failover": 16 * 1024 * 1024,
                "synchronous_mode": True,
                "postgresql": {
                    "use_pg_rewind": True,
                    "parameters": {
                        "wal_log_hints": "on",
                        "max_connections": 100,
                        "max_wal_senders": 5,
                        "max_replication_slots": 5,
                        "shared_buffers": "64MB",
                    },
                },
            },
            "initdb": [{"encoding": "UTF8"}, {"auth": "trust"}],
            "pg_hba": trust,
        },
        "postgresql": {
            "listen": f"127.0.0.1:{node.pg_port}",
            "connect_address": f"127.0.0.1:{node.pg_port}",
            "data_dir": str(node.data_dir),
            "bin_dir": str(PG_BIN),
            "pgpass": str(root / f"pgpass-{node.name}"),
            "pg_hba": trust,
            "authentication": {
                "superuser": {"username": "postgres", "password": "postgres"},
                "replication": {"username": "replicator", "password": "replicator"},
                "rewind": {"username": "postgres", "password": "postgres"},
            },
            "parameters": {"unix_socket_directories": str(root)},
        },
    }


@contextlib.contextmanager
def patroni_cluster(size: int = 2) -> Iterator[Cluster]:
    """etcd and `size` Patroni nodes, up and healthy (a leader, every other node its synchronous
    standby); everything killed and its directory removed when done."""
    # A directory of its own that the postgres user can reach (pytest's tmp_path is root's only).
    root = Path(tempfile.mkdtemp(prefix="orderflow-patroni-"))
    give_to_postgres(root)
    try:
        yield from _run_cluster(root, size)
    finally:
        _kill_all_of(root)  # whatever a failed step left running
        shutil.rmtree(root, ignore_errors=True)


def _kill_all_of(root: Path) -> None:
    """SIGKILL every process whose command line names a file under `root`."""
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and int(entry.name) != os.getpid():
            with contextlib.suppress(OSError, ProcessLookupError):
                if str(root).encode() in (entry / "cmdline").read_bytes():
                    os.kill(int(entry.name), signal.SIGKILL)


def _run_cluster(root: Path, size: int) -> Iterator[Cluster]:
    etcd_port, peer_port = free_port(), free_port()
    nodes = []
    for n in range(1, size + 1):
        node = Node(
            f"node{n}",
            free_port(),
            free_port(),
            root / f"node{n}",
            root / f"node{n}.yml",
            root / f"node{n}.log",
        )
        # JSON is YAML: Patroni reads it as its configuration file.
        node.config.write_text(json.dumps(_node_config(node, etcd_port, root), indent=1))
        give_to_postgres(node.config)
        nodes.append(node)
    cluster = Cluster(root, etcd_port, nodes)
    etcd_log = (root / "etcd.log").open("ab")
    peer = f"http://127.0.0.1:{peer_port}"
    client = f"http://127.0.0.1:{etcd_port}"
    etcd = ["etcd", "--name", "etcd1", "--data-dir", str(root / "etcd")]
    etcd += ["--listen-client-urls", client, "--advertise-client-urls", client]
    etcd += ["--listen-peer-urls", peer, "--initial-advertise-peer-urls", peer]
    etcd += ["--initial-cluster", f"etcd1={peer}"]
    cluster.etcd = subprocess.Popen(
        etcd,
        stdout=etcd_log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    etcd_log.close()
    try:
        _wait_for_etcd(cluster)
        cluster.start(nodes[0])  # the first bootstraps the cluster; the others copy it
        _wait_for(lambda: cluster.leader() is not None, 60, cluster)
        for node in nodes[1:]:
            cluster.start(node)
        cluster.wait_healthy()
        yield cluster
    finally:
        for node in nodes:
            if node.process is not None and node.process.poll() is None:
                cluster.kill(node)
            else:  # a postmaster Patroni left behind
                pid = node.postmaster_pid()
                if pid is not None:
                    with contextlib.suppress(ProcessLookupError):
                        os.kill(pid, signal.SIGKILL)
        if cluster.etcd.poll() is None:
            cluster.etcd.kill()
        cluster.etcd.wait(timeout=30)


def _wait_for_etcd(cluster: Cluster) -> None:
    def up() -> bool:
        with contextlib.suppress(httpx.HTTPError):
            return httpx.get(f"http://127.0.0.1:{cluster.etcd_port}/health", timeout=1).is_success
        return False

    _wait_for(up, 30, cluster)


def _wait_for(condition: Callable[[], bool], timeout: float, cluster: Cluster) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.3)
    raise AssertionError(f"timed out waiting for the cluster\n{cluster.logs()}")
