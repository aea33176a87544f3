"""Schema migrations with Alembic: the only way orderflow's schema is made."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine

from orderflow.adapters.db import reading
from orderflow.adapters.sql_dialect import sql_dialect

MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"


def alembic_config(connection: Connection | None = None) -> Config:
    """An Alembic config pointing at orderflow's migrations (and at `connection`, if given)."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    if connection is not None:
        config.attributes["connection"] = connection
    return config


async def upgrade(engine: AsyncEngine, revision: str = "head") -> None:
    """Upgrade the database behind `engine` to `revision`, in one transaction."""
    await _migrate(engine, lambda config: command.upgrade(config, revision))


async def downgrade(engine: AsyncEngine, revision: str) -> None:
    """Downgrade the database behind `engine` to `revision`, in one transaction."""
    await _migrate(engine, lambda config: command.downgrade(config, revision))


async def _migrate(engine: AsyncEngine, run: Callable[[Config], None]) -> None:
    async with engine.connect() as conn:
        dialect = sql_dialect(conn)
        check = dialect.checks_foreign_keys_after_migrating
        # Set on the driver's connection, before the transaction begins.
        driver = (await conn.get_raw_connection()).driver_connection if check else None
        if driver is not None:
            await driver.execute(dialect.foreign_keys(on=False))
        try:
            async with conn.begin():
                await conn.run_sync(lambda sync: run(alembic_config(sync)))
                if check:
                    broken = (await conn.exec_driver_sql(dialect.broken_foreign_keys())).all()
                    if broken:
                        raise RuntimeError(f"the migration broke foreign keys: {broken[:5]}")
        finally:
            if driver is not None:
                await driver.execute(dialect.foreign_keys(on=True))


def head_revision() -> str | None:
    """The newest revision the code knows."""
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


async def current_revision(engine: AsyncEngine) -> str | None:
    """The revision the database is at (None for an empty database)."""
    async with reading(engine) as conn:
        return await conn.run_sync(
            lambda sync: MigrationContext.configure(sync).get_current_revision()
        )
