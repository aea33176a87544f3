"""Tracking numbers and deleted orders

- `orders.shipment_receipt`: the order's courier tracking number (Scalev's name), set by the
  change-status upload; indexed with the business for the list's `shipment_receipt` filter.
- `orders.deleted_at`: when the order was deleted (`POST /v3/orders/delete`). A deleted order is
  gone for every read and change, but its row stays, so that its history and its events (which
  refer to it) stay for the audit trail.
- `order_status_history.shipment_receipt` and `order_status_history.kind`: what a row records.
  `status` is a change of the status or payment status (every row before this revision, and
  creations), `details` a change of the order's details only (a tracking number, payment
  fields), `deleted` the order's deletion.

Every column is added in place, nullable or with a constant default: no table is rewritten, and
the release before this one keeps working against the new schema during a rolling upgrade.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("orders", sa.Column("shipment_receipt", sa.String(255), nullable=True))
    op.add_column("orders", sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=True))
    op.create_index(
        "ix_orders_business_id_shipment_receipt", "orders", ["business_id", "shipment_receipt"]
    )
    op.add_column(
        "order_status_history", sa.Column("shipment_receipt", sa.String(255), nullable=True)
    )
    op.add_column(
        "order_status_history",
        sa.Column("kind", sa.String(16), nullable=False, server_default="status"),
    )


def downgrade() -> None:
    # In place on both (SQLite since 3.35): a batch copy of orders would lose its triggers.
    op.drop_index("ix_orders_business_id_shipment_receipt", table_name="orders")
    for table, column in (
        ("order_status_history", "kind"),
        ("order_status_history", "shipment_receipt"),
        ("orders", "deleted_at"),
        ("orders", "shipment_receipt"),
    ):
        op.execute(f"ALTER TABLE {table} DROP COLUMN {column}")
