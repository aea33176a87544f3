"""indexes for finding orders: status, payment status and method by time; trigram search

Every list is one business's orders newest first, so each filter index leads with business_id
and ends with (created_at, id): a filtered page is one ordered index range, no sort.
On PostgreSQL `search` gets a trigram GIN index over the same text the query searches, which needs
the pg_trgm extension (a trusted extension since PostgreSQL 13: the database owner may create it;
otherwise a superuser runs `CREATE EXTENSION pg_trgm` once). Without pg_trgm installed on the
server the index is left out and search scans the business's orders instead.

On a large live table, create these indexes beforehand with CREATE INDEX CONCURRENTLY under the
same names: this migration uses IF NOT EXISTS and then does not block writes while building them.

Revision ID: 0003
Revises: 0004
Create Date: 2026-11-27
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

log = logging.getLogger("alembic.runtime.migration")

_BY_TIME = {
    "ix_orders_business_id_status_created_at_id": "status",
    "ix_orders_business_id_payment_status_created_at_id": "payment_status",
    "ix_orders_business_id_payment_method_created_at_id": "payment_method",
}
SEARCH_INDEX = "ix_orders_search_trgm"
# A frozen copy of orderflow.adapters.order_listing.SEARCH_DOCUMENT (a test keeps them equal):
# PostgreSQL uses the index only for a query over exactly this expression.
SEARCH_DOCUMENT = (
    "order_id || ' ' || customer_name || ' ' || coalesce(customer_phone, '') || ' ' || "
    "coalesce(customer_email, '')"
)


def upgrade() -> None:
    for name, column in _BY_TIME.items():
        op.execute(
            f"CREATE INDEX IF NOT EXISTS {name} ON orders (business_id, {column}, created_at, id)"
        )
    if op.get_bind().dialect.name != "postgresql":
        return
    available = op.get_bind().execute(
        sa.text("SELECT 1 FROM pg_available_extensions WHERE name = 'pg_trgm'")
    )
    if available.first() is None:
        log.warning("pg_trgm is not installed on this server; search will not be indexed")
        return
    op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    op.execute(
        f"CREATE INDEX IF NOT EXISTS {SEARCH_INDEX} ON orders "
        f"USING gin (({SEARCH_DOCUMENT}) gin_trgm_ops)"
    )


def downgrade() -> None:
    # pg_trgm stays: other schemas in the database may use it.
    for name in (SEARCH_INDEX, *_BY_TIME):
        op.execute(f"DROP INDEX IF EXISTS {name}")
