from sqlalchemy import (
    CheckConstraint,
    Column,
    ForeignKeyConstraint,
    PrimaryKeyConstraint,
    Table,
    Uuid,
)

from mutuals.models.base import UtcDateTime, metadata

# "Not this one": a user dismissed a connection suggestion (API.md §8.5). One row per
# ordered pair; dismissing again moves the time forward. The primary key is the probe the
# suggestions statement makes for each candidate.
suggestion_dismissals = Table(
    "suggestion_dismissals",
    metadata,
    Column("project_id", Uuid, nullable=False),
    Column("user_id", Uuid, nullable=False),
    Column("dismissed_user_id", Uuid, nullable=False),
    Column("dismissed_at", UtcDateTime, nullable=False),
    PrimaryKeyConstraint("project_id", "user_id", "dismissed_user_id"),
    CheckConstraint("user_id <> dismissed_user_id", name="not_self"),
    ForeignKeyConstraint(
        ["project_id", "user_id"], ["users.project_id", "users.id"], ondelete="CASCADE"
    ),
    ForeignKeyConstraint(
        ["project_id", "dismissed_user_id"], ["users.project_id", "users.id"], ondelete="CASCADE"
    ),
)
