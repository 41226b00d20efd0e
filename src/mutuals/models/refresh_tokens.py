from sqlalchemy import (
    Column,
    ForeignKeyConstraint,
    Index,
    PrimaryKeyConstraint,
    Table,
    Uuid,
)

from mutuals.models.base import UtcDateTime, metadata

# Only the token's id (its `jti`) is stored, never the token: the JWT signature proves the
# rest, and a leaked table cannot be replayed.
refresh_tokens = Table(
    "refresh_tokens",
    metadata,
    Column("project_id", Uuid, nullable=False),
    Column("id", Uuid, nullable=False),
    Column("family_id", Uuid, nullable=False),
    Column("user_id", Uuid, nullable=False),
    Column("parent_id", Uuid, nullable=True),
    Column("successor_id", Uuid, nullable=True),
    Column("created_at", UtcDateTime, nullable=False),
    Column("expires_at", UtcDateTime, nullable=False),
    # Set once, by the one request that rotates the token.
    Column("rotated_at", UtcDateTime, nullable=True),
    Column("revoked_at", UtcDateTime, nullable=True),
    PrimaryKeyConstraint("project_id", "id"),
    ForeignKeyConstraint(
        ["project_id", "user_id"], ["users.project_id", "users.id"], ondelete="CASCADE"
    ),
)

Index(
    "ix_refresh_tokens_family",
    refresh_tokens.c.project_id,
    refresh_tokens.c.family_id,
)
