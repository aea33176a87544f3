"""outbox_pending: the relay's queue of events not yet fanned out, instead of outbox.dispatched_at

Until now the relay marked each event it had fanned out with `outbox.dispatched_at`, found the
others through a partial index `WHERE dispatched_at IS NULL`, and so rewrote every event row
once: a whole new ~1 KB row version plus index entries (the predicate's column counts as indexed,
so the update is never HOT). For a change of 10,000 orders that is 16,667 rewritten rows, about
as much database work as inserting them (benchmarks/, docs/benchmarks.md). Now a narrow table
`outbox_pending (outbox_id)` holds the ids still to fan out: a trigger adds every new event's id in
the inserting statement (on PostgreSQL once per statement, from its transition table), and the
relay deletes the ids it has fanned out, which writes no new row version.

`dispatched_at` is no longer written (it stays, for the release before this one); its partial
index is dropped. Downgrading marks every event that is not pending as dispatched.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-27
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_UNDISPATCHED = sa.text("dispatched_at IS NULL")
_PG_FUNCTION = """
CREATE FUNCTION orderflow_queue_outbox() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO outbox_pending (outbox_id) SELECT id FROM inserted;
    RETURN NULL;
END
$$
"""
_PG_TRIGGER = (
    "CREATE TRIGGER outbox_queue AFTER INSERT ON outbox REFERENCING NEW TABLE AS inserted "
    "FOR EACH STATEMENT EXECUTE FUNCTION orderflow_queue_outbox()"
)
_SQLITE_TRIGGER = (
    "CREATE TRIGGER outbox_queue AFTER INSERT ON outbox BEGIN "
    "INSERT INTO outbox_pending (outbox_id) VALUES (NEW.id); END"
)


def upgrade() -> None:
    # No foreign key: only the trigger writes here, right after the event's own row, and a
    # check per event would cost a lookup in outbox's primary key for each of them.
    op.create_table(
        "outbox_pending",
        sa.Column("outbox_id", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("outbox_id", name=op.f("pk_outbox_pending")),
    )
    op.execute(
        "INSERT INTO outbox_pending (outbox_id) SELECT id FROM outbox WHERE dispatched_at IS NULL"
    )
    op.drop_index("ix_outbox_undispatched", table_name="outbox")
    if op.get_bind().dialect.name == "postgresql":
        op.execute(_PG_FUNCTION)
        op.execute(_PG_TRIGGER)
    else:
        op.execute(_SQLITE_TRIGGER)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS outbox_queue ON outbox")
        op.execute("DROP FUNCTION IF EXISTS orderflow_queue_outbox()")
    else:
        op.execute("DROP TRIGGER IF EXISTS outbox_queue")
    op.execute(
        "UPDATE outbox SET dispatched_at = created_at WHERE dispatched_at IS NULL "
        "AND id NOT IN (SELECT outbox_id FROM outbox_pending)"
    )
    op.create_index(
        "ix_outbox_undispatched",
        "outbox",
        ["id"],
        postgresql_where=_UNDISPATCHED,
        sqlite_where=_UNDISPATCHED,
    )
    op.drop_table("outbox_pending")
