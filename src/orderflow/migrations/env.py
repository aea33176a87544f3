"""Alembic environment: runs on the connection `orderflow.migrate` hands it (sync facade)."""

from __future__ import annotations

from alembic import context

from orderflow.adapters.tables import metadata

config = context.config
connection = config.attributes.get("connection")
if connection is None:
    raise RuntimeError("run migrations with `orderflow migrate`, which provides the connection")

context.configure(
    connection=connection,
    target_metadata=metadata,
    render_as_batch=connection.dialect.name == "sqlite",
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
