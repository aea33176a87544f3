"""order_search: the text `search` looks in, kept beside orders instead of indexed on them

Migration 0003 put the trigram GIN index on an expression over `orders`. Every status change is
an UPDATE of indexed columns (status, payment status), so PostgreSQL writes a new row version and
a new entry in every index of the table, the GIN index included: a change of 10,000 orders spent
about a third of its UPDATE re-inserting trigrams of text that had not changed (benchmarks/,
docs/benchmarks.md). The searched text never changes with a status, so it moves to its own table,
`order_search (order_id, document)`, filled for existing orders here and kept by triggers on
`orders` (insert; update of the order number or the customer's name, phone or email), so every
way of writing an order keeps it, on both databases. The trigram index is now on that table.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-27
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

log = logging.getLogger("alembic.runtime.migration")

# The searched text, over an `orders` row (the same text migration 0003 indexed).
DOCUMENT = (
    "order_id || ' ' || customer_name || ' ' || coalesce(customer_phone, '') || ' ' || "
    "coalesce(customer_email, '')"
)
# Columns whose change changes the document.
_SOURCES = "order_id, customer_name, customer_phone, customer_email"
OLD_INDEX = "ix_orders_search_trgm"
NEW_INDEX = "ix_order_search_trgm"

_PG_FUNCTION = f"""
CREATE FUNCTION orderflow_keep_order_search() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO order_search (order_id, document)
    SELECT orders.id, {DOCUMENT} FROM (SELECT NEW.*) AS orders
    ON CONFLICT (order_id) DO UPDATE SET document = EXCLUDED.document;
    RETURN NULL;
END
$$
"""
_PG_TRIGGER = (
    "CREATE TRIGGER orders_keep_search AFTER INSERT OR UPDATE OF {sources} ON orders "
    "FOR EACH ROW EXECUTE FUNCTION orderflow_keep_order_search()"
)
_SQLITE_TRIGGER = (
    "CREATE TRIGGER orders_keep_search_{event} AFTER {clause} ON orders BEGIN "
    "INSERT OR REPLACE INTO order_search (order_id, document) "
    f"SELECT id, {DOCUMENT} FROM orders WHERE id = NEW.id; END"
)


def _has_pg_trgm() -> bool:
    found = op.get_bind().execute(
        sa.text("SELECT 1 FROM pg_available_extensions WHERE name = 'pg_trgm'")
    )
    return found.first() is not None


def upgrade() -> None:
    op.create_table(
        "order_search",
        sa.Column("order_id", sa.BigInteger(), nullable=False),
        sa.Column("document", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["order_id"],
            ["orders.id"],
            name=op.f("fk_order_search_order_id_orders"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("order_id", name=op.f("pk_order_search")),
    )
    op.execute(f"INSERT INTO order_search (order_id, document) SELECT id, {DOCUMENT} FROM orders")
    if op.get_bind().dialect.name != "postgresql":
        op.execute(_SQLITE_TRIGGER.format(event="insert", clause="INSERT"))
        op.execute(_SQLITE_TRIGGER.format(event="update", clause=f"UPDATE OF {_SOURCES}"))
        return
    op.execute(_PG_FUNCTION)
    op.execute(_PG_TRIGGER.format(sources=_SOURCES))
    op.execute(f"DROP INDEX IF EXISTS {OLD_INDEX}")
    if not _has_pg_trgm():
        log.warning("pg_trgm is not installed on this server; search will not be indexed")
        return
    op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    op.execute(
        f"CREATE INDEX IF NOT EXISTS {NEW_INDEX} ON order_search USING gin (document gin_trgm_ops)"
    )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS orders_keep_search ON orders")
        op.execute("DROP FUNCTION IF EXISTS orderflow_keep_order_search()")
        if _has_pg_trgm():
            op.execute(
                f"CREATE INDEX IF NOT EXISTS {OLD_INDEX} ON orders "
                f"USING gin (({DOCUMENT}) gin_trgm_ops)"
            )
    else:
        op.execute("DROP TRIGGER IF EXISTS orders_keep_search_insert")
        op.execute("DROP TRIGGER IF EXISTS orders_keep_search_update")
    op.drop_table("order_search")
