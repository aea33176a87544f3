"""One outbox row per order change

A change that moves both an order's status and its payment status made two outbox rows, one per
event, each repeating the order's fields. Now it makes one: `outbox.next_event_type` and
`outbox.next_event_id` name its second event (numbered `sequence + 1`), and the relay renders
both webhook events from the one stored payload (services/order_events.py, `event_data`). An
endpoint subscribed to both gets two deliveries of one row, so a delivery is unique per endpoint,
row and event type. On PostgreSQL the unique index on `outbox.event_id` goes: event ids are
random and never looked up, and it was ~50 bytes of every row.

On PostgreSQL the unique constraint is replaced in place (a short lock on `webhook_deliveries`,
which only the relay writes: change-status does not wait). SQLite cannot drop a constraint, so
the table is rebuilt: made anew under another name, filled, and renamed over the old one.

Rolling upgrade: rows written by this release are read right only by this release's relay, so
upgrade `orderflow worker` processes (and stop relays in old `serve` processes, or replace them
all at once) before new servers write changes.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-03
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
_PENDING = sa.text("status = 'pending'")
_OLD_UNIQUE = "uq_webhook_deliveries_endpoint_id_outbox_id"
_NEW_UNIQUE = "uq_webhook_deliveries_endpoint_id_outbox_id_event_type"
_INDEXES: tuple[tuple[str, list[str], bool], ...] = (
    ("ix_webhook_deliveries_endpoint_id_id", ["endpoint_id", "id"], False),
    ("ix_webhook_deliveries_outbox_id", ["outbox_id"], False),
    ("ix_webhook_deliveries_due", ["next_attempt_at"], True),
    ("ix_webhook_deliveries_pending_order", ["endpoint_id", "order_id", "outbox_id"], True),
)


def _deliveries_table(name: str, unique: Sequence[str], unique_name: str) -> None:
    op.create_table(
        name,
        sa.Column("id", _ID, autoincrement=True, nullable=False),
        sa.Column("business_id", sa.BigInteger(), nullable=False),
        sa.Column("endpoint_id", sa.BigInteger(), nullable=False),
        sa.Column("outbox_id", sa.BigInteger(), nullable=False),
        sa.Column("event_id", sa.String(length=40), nullable=False),
        sa.Column("event_type", sa.String(length=64), nullable=False),
        sa.Column("order_id", sa.BigInteger(), nullable=True),
        sa.Column("sequence", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("max_attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("delivered_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["endpoint_id"],
            ["webhook_endpoints.id"],
            name="fk_webhook_deliveries_endpoint_id_webhook_endpoints",
        ),
        sa.ForeignKeyConstraint(
            ["outbox_id"], ["outbox.id"], name="fk_webhook_deliveries_outbox_id_outbox"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_webhook_deliveries"),
        sa.UniqueConstraint(*unique, name=unique_name),
    )


def _rebuild_deliveries_on_sqlite(unique: Sequence[str], unique_name: str) -> None:
    # SQLite's own recipe for a change ALTER TABLE cannot make (its foreign keys are off while
    # orderflow migrates, and checked before the commit: adapters/migrate.py).
    _deliveries_table("webhook_deliveries_0011", unique, unique_name)
    op.execute("INSERT INTO webhook_deliveries_0011 SELECT * FROM webhook_deliveries")
    op.execute("DROP TABLE webhook_deliveries")
    op.execute("ALTER TABLE webhook_deliveries_0011 RENAME TO webhook_deliveries")
    for name, columns, partial in _INDEXES:
        where = _PENDING if partial else None
        op.create_index(name, "webhook_deliveries", columns, sqlite_where=where)


def _replace_unique(old: str, new: str, columns: Sequence[str]) -> None:
    if op.get_bind().dialect.name == "sqlite":
        _rebuild_deliveries_on_sqlite(columns, new)
        return
    op.drop_constraint(old, "webhook_deliveries", type_="unique")
    op.create_unique_constraint(new, "webhook_deliveries", list(columns))


def upgrade() -> None:
    op.add_column("outbox", sa.Column("next_event_type", sa.String(64), nullable=True))
    op.add_column("outbox", sa.Column("next_event_id", sa.String(40), nullable=True))
    _replace_unique(_OLD_UNIQUE, _NEW_UNIQUE, ("endpoint_id", "outbox_id", "event_type"))
    if op.get_bind().dialect.name == "postgresql":
        # Event ids are random (96 bits) and nothing looks an event up by its id: the index was
        # ~50 bytes per row on every change. SQLite keeps it (a table rebuild to drop).
        op.drop_constraint("uq_outbox_event_id", "outbox", type_="unique")


def downgrade() -> None:
    # The release before cannot read a row holding two events: refuse rather than lose them.
    bind = op.get_bind()
    two = bind.execute(sa.text("SELECT count(*) FROM outbox WHERE next_event_type IS NOT NULL"))
    if two.scalar_one():
        raise RuntimeError(
            "outbox rows hold two events each (written by revision 0011's release); "
            "downgrading would lose their second events"
        )
    if bind.dialect.name == "postgresql":
        op.create_unique_constraint("uq_outbox_event_id", "outbox", ["event_id"])
    _replace_unique(_NEW_UNIQUE, _OLD_UNIQUE, ("endpoint_id", "outbox_id"))
    for column in ("next_event_id", "next_event_type"):
        op.execute(f"ALTER TABLE outbox DROP COLUMN {column}")
