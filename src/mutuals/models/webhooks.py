"""The outbox (API.md §9): events, the webhooks that subscribe to them, and deliveries."""

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Column,
    ForeignKeyConstraint,
    Index,
    Integer,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
    Uuid,
    text,
)

from mutuals.models.base import JsonDocument, UtcDateTime, metadata

# One row per change, written in the change's own transaction. `payload` is the exact
# body every attempt sends (signatures cover these bytes).
events = Table(
    "events",
    metadata,
    Column("project_id", Uuid, nullable=False),
    Column("id", Uuid, nullable=False),
    Column("type", String(40), nullable=False),
    Column("payload", Text, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    PrimaryKeyConstraint("project_id", "id"),
    ForeignKeyConstraint(["project_id"], ["projects.id"], ondelete="CASCADE"),
)
# The purge of old events walks them by age.
Index("ix_events_created", events.c.created_at)

webhooks = Table(
    "webhooks",
    metadata,
    Column("project_id", Uuid, nullable=False),
    Column("id", Uuid, nullable=False),
    Column("url", String(2048), nullable=False),
    # Event types, or ["*"] for all of them.
    Column("events", JsonDocument, nullable=False),
    Column("description", String(500), nullable=True),
    Column("enabled", Boolean, nullable=False),
    # Signing secrets, encrypted with a key derived from MUTUALS_SECRET_KEY; the previous
    # one keeps signing beside the new one until it expires (rotation).
    Column("secret", Text, nullable=False),
    Column("previous_secret", Text, nullable=True),
    Column("previous_secret_expires_at", UtcDateTime, nullable=True),
    Column("created_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    PrimaryKeyConstraint("project_id", "id"),
    ForeignKeyConstraint(["project_id"], ["projects.id"], ondelete="CASCADE"),
)
Index("ix_webhooks_created", webhooks.c.project_id, webhooks.c.created_at, webhooks.c.id)

webhook_deliveries = Table(
    "webhook_deliveries",
    metadata,
    Column("project_id", Uuid, nullable=False),
    Column("id", Uuid, nullable=False),
    Column("webhook_id", Uuid, nullable=False),
    Column("event_id", Uuid, nullable=False),
    Column("status", String(10), nullable=False),
    Column("attempts", Integer, nullable=False),
    # When the next attempt is due; while an attempt runs, when its claim lapses (a
    # dispatcher that died mid-attempt leaves the delivery due again after that).
    Column("next_attempt_at", UtcDateTime, nullable=True),
    Column("last_status_code", Integer, nullable=True),
    Column("last_error", String(500), nullable=True),
    Column("created_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    PrimaryKeyConstraint("project_id", "id"),
    CheckConstraint("status IN ('pending', 'succeeded', 'failed', 'dead')", name="status"),
    CheckConstraint(
        "(status IN ('pending', 'failed')) = (next_attempt_at IS NOT NULL)", name="due"
    ),
    ForeignKeyConstraint(
        ["project_id", "webhook_id"], ["webhooks.project_id", "webhooks.id"], ondelete="CASCADE"
    ),
    ForeignKeyConstraint(
        ["project_id", "event_id"], ["events.project_id", "events.id"], ondelete="CASCADE"
    ),
)
# What the dispatchers claim: only deliveries still to be attempted, soonest first.
Index(
    "ix_webhook_deliveries_due",
    webhook_deliveries.c.next_attempt_at,
    postgresql_where=text("status IN ('pending', 'failed')"),
    sqlite_where=text("status IN ('pending', 'failed')"),
)
# Only the primary key is led by project_id: on a queue table whose statistics lag behind
# (analysed while nearly empty), PostgreSQL took any index matching "project_id = ?" at
# equal cost for the dispatcher's updates by primary key, and each then read every
# delivery of the project (migration 0012).
# A webhook's delivery log, newest first.
Index(
    "ix_webhook_deliveries_webhook",
    webhook_deliveries.c.webhook_id,
    webhook_deliveries.c.project_id,
    webhook_deliveries.c.created_at,
    webhook_deliveries.c.id,
)
# Deleting an event (the purge) finds its deliveries.
Index("ix_webhook_deliveries_event", webhook_deliveries.c.event_id, webhook_deliveries.c.project_id)
