"""Readiness: the database answers and its schema is one this code can run on."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from functools import cache

from alembic.script import ScriptDirectory
from sqlalchemy.ext.asyncio import AsyncEngine

from orderflow.adapters.db_errors import database_fault
from orderflow.adapters.migrate import alembic_config, current_revision


@dataclass(frozen=True, slots=True)
class Readiness:
    """What `/readyz` reports."""

    database: bool
    current: str | None
    head: str | None
    known: bool = True  # False: a revision this code does not ship (a newer release migrated)

    @property
    def behind(self) -> bool:
        """The database lacks migrations this code needs (`orderflow migrate` fixes it)."""
        return self.database and self.known and self.current != self.head

    @property
    def ahead(self) -> bool:
        """A newer release migrated the database (the middle of a rolling upgrade)."""
        return self.database and not self.known

    @property
    def ready(self) -> bool:
        """True when the database answers at this code's newest migration, or a newer one.

        A newer one is accepted so that old processes keep serving while a rolling upgrade
        replaces them: migrations must stay compatible with the previous release (docs/deploy.md).
        """
        return self.database and not self.behind


@cache
def _revisions() -> tuple[str | None, frozenset[str]]:
    # The migrations shipped with the code do not change while it runs: read them once.
    script = ScriptDirectory.from_config(alembic_config())
    return script.get_current_head(), frozenset(r.revision for r in script.walk_revisions())


async def check_readiness(engine: AsyncEngine, timeout_s: float = 3.0) -> Readiness:
    """Ask the database for its schema revision, giving up after `timeout_s`."""
    head, known = _revisions()
    try:
        async with asyncio.timeout(timeout_s):
            current = await current_revision(engine)
    except Exception as exc:
        if not database_fault(exc):
            raise  # a bug: a 500 with its traceback, not "database unavailable"
        return Readiness(database=False, current=None, head=head)
    return Readiness(
        database=True, current=current, head=head, known=current is None or current in known
    )
