from sqlalchemy import (
    Boolean,
    Column,
    ForeignKeyConstraint,
    Index,
    PrimaryKeyConstraint,
    String,
    Table,
    Uuid,
    false,
    text,
)

from mutuals.models.base import JsonDocument, UtcDateTime, metadata

app_notifications = Table(
    "app_notifications",
    metadata,
    Column("project_id", Uuid, nullable=False),
    Column("id", Uuid, nullable=False),
    Column("user_id", Uuid, nullable=False),
    Column("type", String(50), nullable=False),
    Column("action", String(50), nullable=False),
    Column("is_read", Boolean, nullable=False, server_default=false()),
    Column("metadata", JsonDocument, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    PrimaryKeyConstraint("project_id", "id"),
    ForeignKeyConstraint(
        ["project_id", "user_id"], ["users.project_id", "users.id"], ondelete="CASCADE"
    ),
)

Index(
    "ix_app_notifications_user_created",
    app_notifications.c.project_id,
    app_notifications.c.user_id,
    app_notifications.c.created_at,
    app_notifications.c.id,
)
# The unread badge is read on every app screen; this keeps it to the unread rows only.
Index(
    "ix_app_notifications_unread",
    app_notifications.c.project_id,
    app_notifications.c.user_id,
    postgresql_where=text("is_read = false"),
    sqlite_where=text("is_read = false"),
)
