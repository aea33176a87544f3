"""The schema as SQLAlchemy Core tables. Alembic migrations create it; nothing else does."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    Uuid,
    text,
)

from orderflow.adapters.types import IdType, Money, UTCDateTime
from orderflow.domain.lifecycle import OrderStatus, PaymentStatus

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

STATUS_TIME_COLUMNS: dict[str, str] = {s.value: f"{s.value}_time" for s in OrderStatus}
PAYMENT_TIME_COLUMNS: dict[str, str] = {p.value: f"{p.value}_time" for p in PaymentStatus}

businesses = Table(
    "businesses",
    metadata,
    Column("id", IdType, primary_key=True, autoincrement=True),
    Column("name", String(255), nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
)

api_keys = Table(
    "api_keys",
    metadata,
    Column("id", IdType, primary_key=True, autoincrement=True),
    Column("business_id", BigInteger, ForeignKey("businesses.id"), nullable=False, index=True),
    Column("prefix", String(32), nullable=False, unique=True),
    Column("key_hash", String(64), nullable=False),
    Column("scopes", Text, nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("revoked_at", UTCDateTime(), nullable=True),
    # The contract version the key answers in unless a request asks for another (migration 0008).
    Column("contract", String(10), nullable=False),
)

orders = Table(
    "orders",
    metadata,
    Column("id", IdType, primary_key=True, autoincrement=True),
    Column("business_id", BigInteger, ForeignKey("businesses.id"), nullable=False),
    # The UUIDv7 today's contract names the order by; `id` is its legacy numeric id (0008).
    Column("uuid", Uuid(), nullable=False),
    Column("order_id", String(16), nullable=False),
    Column("status", String(16), nullable=False),
    Column("payment_status", String(16), nullable=False),
    Column("payment_method", String(32), nullable=True),
    Column("customer_name", String(255), nullable=False),
    Column("customer_phone", String(32), nullable=True),
    Column("customer_email", String(255), nullable=True),
    Column("subtotal", Money(), nullable=False),
    Column("shipping_cost", Money(), nullable=False),
    Column("total", Money(), nullable=False),
    Column("financial_entity_id", BigInteger, nullable=True),
    Column("payment_account_holder", String(255), nullable=True),
    Column("payment_account_number", String(255), nullable=True),
    Column("transfer_time", UTCDateTime(), nullable=True),
    Column("transferproof_url", String(2048), nullable=True),
    Column("rtsproof_url", String(2048), nullable=True),
    *(Column(name, UTCDateTime(), nullable=True) for name in STATUS_TIME_COLUMNS.values()),
    *(Column(name, UTCDateTime(), nullable=True) for name in PAYMENT_TIME_COLUMNS.values()),
    Column("version", Integer, nullable=False, default=0),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("updated_at", UTCDateTime(), nullable=False),
    # The courier's tracking number; when the order was deleted (a deleted order reads as
    # absent everywhere, its row stays for its history and events). Migration 0009.
    Column("shipment_receipt", String(255), nullable=True),
    Column("deleted_at", UTCDateTime(), nullable=True),
    Index("uq_orders_business_id_order_id", "business_id", "order_id", unique=True),
    Index("uq_orders_business_id_uuid", "business_id", "uuid", unique=True),
    Index("ix_orders_business_id_created_at_id", "business_id", "created_at", "id"),
    # Migration 0003: one index per list filter, each ordered like the list.
    Index(
        "ix_orders_business_id_status_created_at_id", "business_id", "status", "created_at", "id"
    ),
    Index(
        "ix_orders_business_id_payment_status_created_at_id",
        "business_id",
        "payment_status",
        "created_at",
        "id",
    ),
    Index(
        "ix_orders_business_id_payment_method_created_at_id",
        "business_id",
        "payment_method",
        "created_at",
        "id",
    ),
    Index("ix_orders_business_id_shipment_receipt", "business_id", "shipment_receipt"),
)

# What `search` looks in, one row per order, kept by triggers on `orders` (migration 0006); on
# PostgreSQL with a GIN trigram index on `document`. Apart from orders so that a status change,
# which rewrites the order's row and its index entries, does not re-index unchanged text.
order_search = Table(
    "order_search",
    metadata,
    Column("order_id", BigInteger, ForeignKey("orders.id", ondelete="CASCADE"), primary_key=True),
    Column("document", Text, nullable=False),
)

order_items = Table(
    "order_items",
    metadata,
    Column("id", IdType, primary_key=True, autoincrement=True),
    Column("order_id", BigInteger, ForeignKey("orders.id"), nullable=False, index=True),
    Column("position", Integer, nullable=False),
    Column("name", String(255), nullable=False),
    Column("quantity", Integer, nullable=False),
    Column("price", Money(), nullable=False),
)

order_status_history = Table(
    "order_status_history",
    metadata,
    Column("id", IdType, primary_key=True, autoincrement=True),
    Column("business_id", BigInteger, nullable=False),
    Column("order_id", BigInteger, ForeignKey("orders.id"), nullable=False),
    Column("from_status", String(16), nullable=True),
    Column("to_status", String(16), nullable=False),
    Column("from_payment_status", String(16), nullable=True),
    Column("to_payment_status", String(16), nullable=False),
    Column("by", String(255), nullable=True),
    Column("api_key_id", BigInteger, nullable=True),
    Column("request_id", String(128), nullable=True),
    Column("payment_method", String(32), nullable=True),
    Column("financial_entity_id", BigInteger, nullable=True),
    Column("payment_account_holder", String(255), nullable=True),
    Column("payment_account_number", String(255), nullable=True),
    Column("transfer_time", UTCDateTime(), nullable=True),
    Column("transferproof_url", String(2048), nullable=True),
    Column("rtsproof_url", String(2048), nullable=True),
    Column("created_at", UTCDateTime(), nullable=False),
    # Migration 0009: the tracking number a change set, and what the row records (`HistoryKind`).
    Column("shipment_receipt", String(255), nullable=True),
    Column("kind", String(16), nullable=False, server_default="status"),
    # Migration 0012: what the details a change wrote held before it (a JSON object of the
    # values they held: a detail written and absent held none; NULL when it wrote none), and on
    # a revert's rows the request id it reverted.
    Column("previous_details", Text, nullable=True),
    Column("reverts", String(128), nullable=True),
    Index("ix_order_status_history_order_id_id", "order_id", "id"),
    Index("ix_order_status_history_business_id_request_id", "business_id", "request_id"),
    Index(
        "ix_order_status_history_business_id_reverts",
        "business_id",
        "reverts",
        postgresql_where=text("reverts IS NOT NULL"),
        sqlite_where=text("reverts IS NOT NULL"),
    ),
)

outbox = Table(
    "outbox",
    metadata,
    Column("id", IdType, primary_key=True, autoincrement=True),
    Column("business_id", BigInteger, nullable=False),
    # Random (96 bits): not indexed since migration 0011, which dropped its unique index on
    # PostgreSQL (SQLite keeps it: dropping it there means rebuilding the table).
    Column("event_id", String(40), nullable=False),
    Column("event_type", String(64), nullable=False),
    Column("order_id", BigInteger, nullable=True),
    Column("sequence", Integer, nullable=True),
    Column("payload", Text, nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
    # A change that moves both statuses stores its two events in one row (migration 0011): the
    # second is `next_event_type`, numbered `sequence + 1`, with its own id.
    Column("next_event_type", String(64), nullable=True),
    Column("next_event_id", String(40), nullable=True),
    # Written by the relay until migration 0007 (the release before uses it); now unused.
    Column("dispatched_at", UTCDateTime(), nullable=True),
)

# The relay's queue: ids of outbox events not yet fanned out to webhook deliveries. A trigger adds
# each new event's id (migration 0007); the relay deletes the ids it has fanned out. No foreign
# key: only that trigger writes here.
outbox_pending = Table(
    "outbox_pending",
    metadata,
    Column("outbox_id", BigInteger, primary_key=True, autoincrement=False),
)

webhook_endpoints = Table(
    "webhook_endpoints",
    metadata,
    Column("id", IdType, primary_key=True, autoincrement=True),
    Column("business_id", BigInteger, ForeignKey("businesses.id"), nullable=False, index=True),
    Column("url", String(2048), nullable=False),
    Column("secret", String(128), nullable=False),
    Column("is_active", Boolean, nullable=False),
    Column("contract", String(10), nullable=False),  # the version its payloads follow (0008)
    Column("created_at", UTCDateTime(), nullable=False),
    Column("updated_at", UTCDateTime(), nullable=False),
    Column("deleted_at", UTCDateTime(), nullable=True),
)

webhook_endpoint_events = Table(
    "webhook_endpoint_events",
    metadata,
    Column("endpoint_id", BigInteger, ForeignKey("webhook_endpoints.id"), primary_key=True),
    Column("event_type", String(64), primary_key=True),
)

_PENDING = text("status = 'pending'")

webhook_deliveries = Table(
    "webhook_deliveries",
    metadata,
    Column("id", IdType, primary_key=True, autoincrement=True),
    Column("business_id", BigInteger, nullable=False),
    Column("endpoint_id", BigInteger, ForeignKey("webhook_endpoints.id"), nullable=False),
    Column("outbox_id", BigInteger, ForeignKey("outbox.id"), nullable=False),
    Column("event_id", String(40), nullable=False),
    Column("event_type", String(64), nullable=False),
    Column("order_id", BigInteger, nullable=True),
    Column("sequence", Integer, nullable=True),
    Column("status", String(16), nullable=False),
    Column("attempts", Integer, nullable=False),
    Column("max_attempts", Integer, nullable=False),
    Column("next_attempt_at", UTCDateTime(), nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("updated_at", UTCDateTime(), nullable=False),
    Column("delivered_at", UTCDateTime(), nullable=True),
    UniqueConstraint("endpoint_id", "outbox_id", "event_type"),
    Index("ix_webhook_deliveries_endpoint_id_id", "endpoint_id", "id"),
    Index("ix_webhook_deliveries_outbox_id", "outbox_id"),  # housekeeping (migration 0010)
    # The relay's two questions: what is due, and is an earlier event of this order still pending.
    Index(
        "ix_webhook_deliveries_due",
        "next_attempt_at",
        postgresql_where=_PENDING,
        sqlite_where=_PENDING,
    ),
    Index(
        "ix_webhook_deliveries_pending_order",
        "endpoint_id",
        "order_id",
        "outbox_id",
        postgresql_where=_PENDING,
        sqlite_where=_PENDING,
    ),
)

webhook_attempts = Table(
    "webhook_attempts",
    metadata,
    Column("id", IdType, primary_key=True, autoincrement=True),
    Column("delivery_id", BigInteger, ForeignKey("webhook_deliveries.id"), nullable=False),
    Column("number", Integer, nullable=False),
    Column("attempted_at", UTCDateTime(), nullable=False),
    Column("status_code", Integer, nullable=True),
    Column("latency_ms", Integer, nullable=False),
    Column("error", String(500), nullable=True),
    UniqueConstraint("delivery_id", "number"),
)

idempotency_keys = Table(
    "idempotency_keys",
    metadata,
    Column("business_id", BigInteger, primary_key=True),
    Column("key", String(255), primary_key=True),
    Column("fingerprint", String(64), nullable=False),
    Column("status_code", Integer, nullable=False),
    Column("body", LargeBinary, nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("expires_at", UTCDateTime(), nullable=False, index=True),
)

rate_limit_counters = Table(
    "rate_limit_counters",
    metadata,
    Column("bucket", String(64), primary_key=True),
    Column("window_start", BigInteger, primary_key=True),  # unix seconds
    Column("hits", Integer, nullable=False),
    Column("expires_at", BigInteger, nullable=False, index=True),  # unix seconds
)
