"""Watches the statements an engine runs: one on a table with a `business_id` that was not built
by a business's `Scope`, nor marked as working across businesses, is a violation
(src/orderflow/adapters/tenancy.py says why and how).

`conftest.container` watches every statement run while an HTTP request is served, in every test
on both databases (statements a test runs itself, outside a request, are its own business);
tests/integration/test_tenant_scoping.py watches everything one tour of the service runs.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Engine

from orderflow.adapters.tenancy import ACROSS, BUSINESS_TABLES, SCOPED
from orderflow.observability.context import current_fields

# The tables a statement reads or writes: what follows FROM, JOIN, UPDATE and INTO.
_TABLE = re.compile(r'\b(?:FROM|JOIN|UPDATE|INTO)\s+"?(\w+)"?', re.IGNORECASE)


def tables_of(sql: str) -> set[str]:
    """The tables `sql` names after FROM, JOIN, UPDATE or INTO (lower case)."""
    return {name.lower() for name in _TABLE.findall(sql)}


@dataclass
class TenancyGuard:
    """Records statements on a business's tables, and those that were not scoped."""

    only_in_requests: bool
    violations: list[str] = field(default_factory=list)
    scoped: list[tuple[int, frozenset[str]]] = field(default_factory=list)
    across: dict[str, set[str]] = field(default_factory=dict)  # reason -> tables

    def __call__(
        self,
        _conn: Any,
        _cursor: Any,
        statement: str,
        _parameters: Any,
        context: Any,
        _executemany: bool,
    ) -> None:
        if self.only_in_requests and not current_fields():
            return
        tables = frozenset(tables_of(statement) & BUSINESS_TABLES)
        if not tables:
            return
        options = context.execution_options if context is not None else {}
        if SCOPED in options:
            if "business_id" not in statement:
                self.violations.append(f"marked scoped but names no business_id: {statement}")
            self.scoped.append((options[SCOPED], tables))
        elif ACROSS in options:
            self.across.setdefault(options[ACROSS], set()).update(tables)
        else:
            self.violations.append(" ".join(statement.split()))

    def report(self) -> str:
        """The violations, one per line, for a failing test's message."""
        return "\n".join(
            ["statements on a business's tables built without tenancy.Scope:", *self.violations]
        )


def watch(engine: Engine, *, only_in_requests: bool) -> TenancyGuard:
    """Start watching `engine`'s statements (for as long as the engine lives)."""
    guard = TenancyGuard(only_in_requests)
    event.listen(engine, "before_cursor_execute", guard)
    return guard
