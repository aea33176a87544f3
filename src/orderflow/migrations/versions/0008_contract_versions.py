"""Contract versions: every order gets a UUIDv7 `uuid`, keys and webhook endpoints a `contract`

Scalev's v3 contract of 2026-07-21 names an order by a UUIDv7 string; the integer `id` stays the
order's primary key here and is what the older contract (2025-01-01) shows. Existing orders get a
UUIDv7 whose time part is their `created_at`, so UUIDs sort like the orders they name.

A new order's UUID is made by the application; the database fills in one for an insert that
gives none (a process of the release before this one during a rolling upgrade, bulk loads): on
PostgreSQL a column default, on SQLite a trigger (SQLite cannot add a column with a non-constant
default).

Keys and webhook endpoints that exist before this revision are pinned to `2025-01-01`, the
version they were made under, so their integrations see no change; new ones get the version the
application gives them (the newest, unless asked otherwise).

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_OLDER = "2025-01-01"

# UUIDv7 (RFC 9562): 48 bits of Unix milliseconds, the version nibble 7, then the random bits and
# variant of a v4 UUID.
_PG_FUNCTION = """
CREATE FUNCTION orderflow_uuid7(ts timestamptz) RETURNS uuid LANGUAGE sql VOLATILE AS $$
    SELECT (lpad(to_hex(floor(extract(epoch FROM ts) * 1000)::bigint), 12, '0')
            || '7' || substr(replace(gen_random_uuid()::text, '-', ''), 14))::uuid
$$
"""
# The same on SQLite, as the 32 hex digits SQLAlchemy's `Uuid` stores there.
_SQLITE_UUID7 = (
    "printf('%012x', CAST(round((coalesce(julianday({ts}), julianday(substr({ts}, 1, 19)))"
    " - 2440587.5) * 86400000) AS INTEGER))"
    " || '7' || substr(lower(hex(randomblob(2))), 2, 3)"
    " || substr('89ab', 1 + abs(random()) % 4, 1)"
    " || substr(lower(hex(randomblob(8))), 2, 15)"
)
_SQLITE_TRIGGER = (
    "CREATE TRIGGER orders_uuid AFTER INSERT ON orders WHEN NEW.uuid IS NULL BEGIN "
    f"UPDATE orders SET uuid = {_SQLITE_UUID7.format(ts='NEW.created_at')} WHERE id = NEW.id; "
    "END"
)


def upgrade() -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    op.add_column("orders", sa.Column("uuid", sa.Uuid(), nullable=True))
    if postgres:
        op.execute(_PG_FUNCTION)
        op.execute("UPDATE orders SET uuid = orderflow_uuid7(created_at)")
        op.execute("ALTER TABLE orders ALTER COLUMN uuid SET DEFAULT orderflow_uuid7(now())")
        op.execute("ALTER TABLE orders ALTER COLUMN uuid SET NOT NULL")
    else:
        op.execute(f"UPDATE orders SET uuid = {_SQLITE_UUID7.format(ts='created_at')}")
        op.execute(_SQLITE_TRIGGER)
    # Business first: every lookup is one business's, and a table sharded by business (Citus)
    # accepts only unique keys that start with it.
    op.create_index("uq_orders_business_id_uuid", "orders", ["business_id", "uuid"], unique=True)
    for table in ("api_keys", "webhook_endpoints"):
        op.add_column(
            table,
            sa.Column("contract", sa.String(10), nullable=False, server_default=_OLDER),
        )


def downgrade() -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    if not postgres:  # before the column: SQLite refuses to drop a column a trigger names
        op.execute("DROP TRIGGER IF EXISTS orders_uuid")
    op.drop_index("uq_orders_business_id_uuid", table_name="orders")
    # In place on both (SQLite since 3.35): a batch copy of orders would lose its triggers.
    op.execute("ALTER TABLE orders DROP COLUMN uuid")
    if postgres:
        op.execute("DROP FUNCTION IF EXISTS orderflow_uuid7(timestamptz)")
    for table in ("api_keys", "webhook_endpoints"):
        op.execute(f"ALTER TABLE {table} DROP COLUMN contract")
