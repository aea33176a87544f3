"""Fixtures: every integration and HTTP test runs on SQLite and on PostgreSQL.

The schema is built by the same Alembic migrations the service runs: once per session and
database, then each test starts from clean tables (SQLite: a fresh copy of the migrated file;
PostgreSQL: a private database of this session, truncated between tests).
"""

from __future__ import annotations

import asyncio
import os
import shutil
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path

import asyncpg
import httpx
import pytest
from sqlalchemy import text

from orderflow.adapters.migrate import upgrade
from orderflow.adapters.tables import metadata
from orderflow.api.app import create_app
from orderflow.bootstrap import Container, build
from orderflow.config import Settings
from tests import log_scan, tenancy_guard

PG_ADMIN_URL = os.environ.get(
    "ORDERFLOW_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
)
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
_pg_skip_reason: list[str] = []


def _asyncpg_dsn(url: str) -> str:
    return url.replace("postgresql+asyncpg://", "postgresql://")


async def _pg_probe() -> str | None:
    try:
        conn = await asyncpg.connect(_asyncpg_dsn(PG_ADMIN_URL), timeout=3)
    except (OSError, asyncpg.PostgresError, TimeoutError) as exc:
        return f"{type(exc).__name__}: {exc}"
    await conn.close()
    return None


@dataclass(frozen=True)
class Database:
    """A migrated database for one backend; `reset()` empties its tables."""

    kind: str
    url: str
    template: Path | None = None

    def fresh_url(self, tmp_path: Path) -> str:
        if self.template is None:
            return self.url
        target = tmp_path / "orderflow.db"
        shutil.copyfile(self.template, target)
        return f"sqlite:///{target}"


async def _migrate(url: str) -> None:
    container = build(Settings(database_url=url))
    try:
        await upgrade(container.engine)
    finally:
        await container.close()


@pytest.fixture(scope="session")
def sqlite_database(tmp_path_factory: pytest.TempPathFactory) -> Database:
    template = tmp_path_factory.mktemp("sqlite-template") / "template.db"
    asyncio.run(_migrate(f"sqlite:///{template}"))
    return Database("sqlite", f"sqlite:///{template}", template)


@pytest.fixture(scope="session")
def postgres_database() -> Iterator[Database]:
    problem = asyncio.run(_pg_probe())
    if problem is not None:
        if IN_CI:
            pytest.fail(f"PostgreSQL is required under CI=true but unreachable: {problem}")
        if not _pg_skip_reason:
            _pg_skip_reason.append(problem)
        pytest.skip(f"PostgreSQL unreachable ({problem})")
    name = f"orderflow_test_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    base = PG_ADMIN_URL.rsplit("/", 1)[0]

    async def admin(sql: str) -> None:
        conn = await asyncpg.connect(_asyncpg_dsn(PG_ADMIN_URL))
        try:
            await conn.execute(sql)
        finally:
            await conn.close()

    asyncio.run(admin(f'CREATE DATABASE "{name}"'))
    url = f"{base}/{name}"
    asyncio.run(_migrate(url))
    yield Database("postgresql", url)
    asyncio.run(admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture(params=["sqlite", "postgresql"])
def database(request: pytest.FixtureRequest) -> Database:
    """Each test that uses this runs once per database."""
    fixture = "sqlite_database" if request.param == "sqlite" else "postgres_database"
    db: Database = request.getfixturevalue(fixture)
    return db


_TABLES = ", ".join(t.name for t in reversed(metadata.sorted_tables))


async def _truncate(url: str) -> None:
    container = build(Settings(database_url=url))
    try:
        async with container.engine.begin() as conn:
            await conn.execute(text(f"TRUNCATE {_TABLES} RESTART IDENTITY CASCADE"))
    finally:
        await container.close()


@pytest.fixture
def settings(database: Database, tmp_path: Path) -> Settings:
    """Settings for a clean, migrated database of this test's kind."""
    url = database.fresh_url(tmp_path)
    if database.kind == "postgresql":
        asyncio.run(_truncate(url))
    # Tests reach webhook receivers on 127.0.0.1, so private webhook URLs are allowed.
    return Settings(database_url=url, env="development", webhook_allow_private_urls=True)


@pytest.fixture
async def container(settings: Settings) -> AsyncIterator[Container]:
    built = build(settings)
    # Every statement the service runs while it serves a request must be scoped to a business
    # or say why it is not (tests/tenancy_guard.py).
    guard = tenancy_guard.watch(built.engine.sync_engine, only_in_requests=True)
    try:
        yield built
    finally:
        await built.close()
    if guard.violations:
        pytest.fail(guard.report())


@pytest.fixture
async def client(container: Container) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(container=container)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://orderflow.test") as c:
        yield c


def pytest_sessionstart(session: pytest.Session) -> None:
    log_scan.install()


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    if log_scan.captured.leaks():
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    leaks = log_scan.captured.leaks()
    if leaks:
        bar = "!" * 78
        terminalreporter.write_line(bar, red=True, bold=True)
        terminalreporter.write_line(
            f"SECRETS IN LOGS: {len(leaks)} key(s)/secret(s)/phone(s)/email(s) made by the tests "
            "appear in log lines:",
            red=True,
            bold=True,
        )
        for lines in leaks.values():
            for line in lines:
                terminalreporter.write_line(f"  {line[:300]}", red=True)
        terminalreporter.write_line(bar, red=True, bold=True)
    else:
        terminalreporter.write_line(
            f"log scan: {len(log_scan.captured.lines)} log lines checked for "
            f"{log_scan.secrets_count()} keys/secrets/phones/emails the tests created; none found"
        )
    if _pg_skip_reason:
        bar = "!" * 78
        terminalreporter.write_line(bar, red=True, bold=True)
        terminalreporter.write_line(
            "THE POSTGRESQL HALF OF THE SUITE WAS SKIPPED: PostgreSQL is unreachable at "
            f"{PG_ADMIN_URL} ({_pg_skip_reason[0]}). Only SQLite was tested. "
            "Set ORDERFLOW_TEST_POSTGRES_URL or start PostgreSQL to run it.",
            red=True,
            bold=True,
        )
        terminalreporter.write_line(bar, red=True, bold=True)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Tests marked `postgresql_only` do not run with the SQLite parameter of `database`."""
    sqlite_only_copies = [
        item
        for item in items
        if item.get_closest_marker("postgresql_only") is not None
        and getattr(item, "callspec", None) is not None
        and item.callspec.params.get("database") == "sqlite"  # type: ignore[attr-defined]
    ]
    if sqlite_only_copies:
        config.hook.pytest_deselected(items=sqlite_only_copies)
        items[:] = [item for item in items if item not in sqlite_only_copies]
