from sqlalchemy import (
    Boolean,
    Column,
    ForeignKey,
    Integer,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
    UniqueConstraint,
    Uuid,
    false,
    true,
)

from mutuals.models.base import JsonDocument, UtcDateTime, metadata

users = Table(
    "users",
    metadata,
    Column(
        "project_id",
        Uuid,
        ForeignKey("projects.id", ondelete="CASCADE"),
        nullable=False,
    ),
    Column("id", Uuid, nullable=False),
    Column("foreign_id", String(255), nullable=True),
    Column("email", String(320), nullable=True),
    Column("password_hash", String(255), nullable=True),
    Column("name", String(100), nullable=True),
    # The name's words, lower case and without accents, one space apart (users/names.py):
    # what finding users matches (API.md §12).
    Column("name_folded", String(200), nullable=True),
    Column("username", String(30), nullable=True),
    Column("avatar", Text, nullable=True),
    Column("bio", String(300), nullable=True),
    Column("metadata", JsonDocument, nullable=False),
    Column("reputation", Integer, nullable=False, server_default="0"),
    Column("is_verified", Boolean, nullable=False, server_default=false()),
    Column("is_active", Boolean, nullable=False, server_default=true()),
    Column("auth_methods", JsonDocument, nullable=False),
    # Accepted connections, kept in the same transaction as every accept and disconnect
    # so that counts (and list totals) cost one row read however large the graph grows.
    Column("connections_count", Integer, nullable=False, server_default="0"),
    # Follows, kept the same way by every follow, unfollow and (later) block.
    Column("followers_count", Integer, nullable=False, server_default="0"),
    Column("following_count", Integer, nullable=False, server_default="0"),
    Column("last_active", UtcDateTime, nullable=True),
    Column("created_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    # (project_id, id) rather than id alone so every table can be distributed by project.
    PrimaryKeyConstraint("project_id", "id"),
    UniqueConstraint("project_id", "email"),
    UniqueConstraint("project_id", "username"),
    UniqueConstraint("project_id", "foreign_id"),
)
