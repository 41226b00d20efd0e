from sqlalchemy import (
    CheckConstraint,
    Column,
    ForeignKeyConstraint,
    Index,
    PrimaryKeyConstraint,
    Table,
    UniqueConstraint,
    Uuid,
)

from mutuals.models.base import UtcDateTime, metadata

follows = Table(
    "follows",
    metadata,
    Column("project_id", Uuid, nullable=False),
    Column("id", Uuid, nullable=False),
    Column("follower_id", Uuid, nullable=False),
    Column("followed_id", Uuid, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    PrimaryKeyConstraint("project_id", "id"),
    # One record per ordered pair, however many follows race.
    UniqueConstraint("project_id", "follower_id", "followed_id"),
    CheckConstraint("follower_id <> followed_id", name="not_self"),
    ForeignKeyConstraint(
        ["project_id", "follower_id"], ["users.project_id", "users.id"], ondelete="CASCADE"
    ),
    ForeignKeyConstraint(
        ["project_id", "followed_id"], ["users.project_id", "users.id"], ondelete="CASCADE"
    ),
)

# Each list reads its page straight from an index range in its order (newest first), so
# page 1 costs the same for ten followers and for a million.
Index(
    "ix_follows_followers",
    follows.c.project_id,
    follows.c.followed_id,
    follows.c.created_at,
    follows.c.id,
)
Index(
    "ix_follows_following",
    follows.c.project_id,
    follows.c.follower_id,
    follows.c.created_at,
    follows.c.id,
)

# When the followed user was last told about this follower: a follow/unfollow loop must
# not notify again within the window (API.md §6.1). One row per ordered pair, claimed by
# one conditional upsert, so concurrent follows cannot both notify.
follow_notices = Table(
    "follow_notices",
    metadata,
    Column("project_id", Uuid, nullable=False),
    Column("follower_id", Uuid, nullable=False),
    Column("followed_id", Uuid, nullable=False),
    Column("notified_at", UtcDateTime, nullable=False),
    PrimaryKeyConstraint("project_id", "followed_id", "follower_id"),
    ForeignKeyConstraint(
        ["project_id", "follower_id"], ["users.project_id", "users.id"], ondelete="CASCADE"
    ),
    ForeignKeyConstraint(
        ["project_id", "followed_id"], ["users.project_id", "users.id"], ondelete="CASCADE"
    ),
)
