"""Event retention: find an event's deliveries by the event

Housekeeping deletes webhook events older than `ORDERFLOW_EVENT_RETENTION_DAYS` together with
their deliveries and attempts (adapters/housekeeping.py), a batch of events at a time; this
index finds the deliveries of a batch without reading the whole table. Only an index is added:
the release before this one keeps working during a rolling upgrade.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-03
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_webhook_deliveries_outbox_id", "webhook_deliveries", ["outbox_id"])


def downgrade() -> None:
    op.drop_index("ix_webhook_deliveries_outbox_id", table_name="webhook_deliveries")
