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

blocks = Table(
    "blocks",
    metadata,
    Column("project_id", Uuid, nullable=False),
    Column("id", Uuid, nullable=False),
    Column("blocker_id", Uuid, nullable=False),
    Column("blocked_id", Uuid, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    PrimaryKeyConstraint("project_id", "id"),
    # One block per ordered pair; its index also answers "whom does this viewer block".
    UniqueConstraint("project_id", "blocker_id", "blocked_id"),
    CheckConstraint("blocker_id <> blocked_id", name="not_self"),
    ForeignKeyConstraint(
        ["project_id", "blocker_id"], ["users.project_id", "users.id"], ondelete="CASCADE"
    ),
    ForeignKeyConstraint(
        ["project_id", "blocked_id"], ["users.project_id", "users.id"], ondelete="CASCADE"
    ),
)

# "Who blocks this viewer": the other half of every viewer's hidden set.
Index("ix_blocks_blocked", blocks.c.project_id, blocks.c.blocked_id, blocks.c.blocker_id)
# My blocks, newest first.
Index("ix_blocks_mine", blocks.c.project_id, blocks.c.blocker_id, blocks.c.created_at, blocks.c.id)
