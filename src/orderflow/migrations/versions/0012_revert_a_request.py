"""What a revert needs of the history: the details before a change, the request it reverts

`POST /v3/orders/revert` puts back what one request changed. The history already holds each
change's statuses before and after and the request id; two columns are new:

- `previous_details`: the values the details a change wrote (payment fields, tracking number)
  held before it, as a JSON object of the values they held (a detail the change wrote and that
  is absent there held none; the row's own columns say which it gave); NULL for a change that
  wrote none (most status changes: a NULL costs a bit of the row's null bitmap).
- `reverts`: on a revert's rows, the request id it reverted.

Two indexes: the business's rows of one request (a revert and `GET /v3/orders/changes/{id}`
start there) and, partial and small, the rows that revert a request.

Rows written before this migration have no `previous_details`: a revert of a change that wrote
details then refuses those orders (`details_not_recorded`) rather than guess.

On a large live history, create the two indexes beforehand with CREATE INDEX CONCURRENTLY under
the same names: this migration uses IF NOT EXISTS and then does not block writes building them.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-04
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

REQUEST_INDEX = "ix_order_status_history_business_id_request_id"
REVERTS_INDEX = "ix_order_status_history_business_id_reverts"


def upgrade() -> None:
    op.add_column("order_status_history", sa.Column("previous_details", sa.Text(), nullable=True))
    op.add_column("order_status_history", sa.Column("reverts", sa.String(128), nullable=True))
    op.execute(
        f"CREATE INDEX IF NOT EXISTS {REQUEST_INDEX} "
        "ON order_status_history (business_id, request_id)"
    )
    op.execute(
        f"CREATE INDEX IF NOT EXISTS {REVERTS_INDEX} "
        "ON order_status_history (business_id, reverts) WHERE reverts IS NOT NULL"
    )


def downgrade() -> None:
    op.execute(f"DROP INDEX IF EXISTS {REVERTS_INDEX}")
    op.execute(f"DROP INDEX IF EXISTS {REQUEST_INDEX}")
    with op.batch_alter_table("order_status_history") as batch:
        batch.drop_column("reverts")
        batch.drop_column("previous_details")
