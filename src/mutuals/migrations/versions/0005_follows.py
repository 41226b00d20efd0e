"""follows

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-29 16:30:18.901903
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "follow_notices",
        sa.Column("project_id", sa.Uuid(), nullable=False),
        sa.Column("follower_id", sa.Uuid(), nullable=False),
        sa.Column("followed_id", sa.Uuid(), nullable=False),
        sa.Column("notified_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["project_id", "followed_id"],
            ["users.project_id", "users.id"],
            name=op.f("fk_follow_notices_project_id_followed_id_users"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["project_id", "follower_id"],
            ["users.project_id", "users.id"],
            name=op.f("fk_follow_notices_project_id_follower_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "project_id", "followed_id", "follower_id", name=op.f("pk_follow_notices")
        ),
    )
    op.create_table(
        "follows",
        sa.Column("project_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("follower_id", sa.Uuid(), nullable=False),
        sa.Column("followed_id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("follower_id <> followed_id", name=op.f("ck_follows_not_self")),
        sa.ForeignKeyConstraint(
            ["project_id", "followed_id"],
            ["users.project_id", "users.id"],
            name=op.f("fk_follows_project_id_followed_id_users"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["project_id", "follower_id"],
            ["users.project_id", "users.id"],
            name=op.f("fk_follows_project_id_follower_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("project_id", "id", name=op.f("pk_follows")),
        sa.UniqueConstraint(
            "project_id",
            "follower_id",
            "followed_id",
            name=op.f("uq_follows_project_id_follower_id_followed_id"),
        ),
    )
    with op.batch_alter_table("follows", schema=None) as batch_op:
        batch_op.create_index(
            "ix_follows_followers", ["project_id", "followed_id", "created_at", "id"], unique=False
        )
        batch_op.create_index(
            "ix_follows_following", ["project_id", "follower_id", "created_at", "id"], unique=False
        )

    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("followers_count", sa.Integer(), server_default="0", nullable=False)
        )
        batch_op.add_column(
            sa.Column("following_count", sa.Integer(), server_default="0", nullable=False)
        )


def downgrade() -> None:
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("following_count")
        batch_op.drop_column("followers_count")

    with op.batch_alter_table("follows", schema=None) as batch_op:
        batch_op.drop_index("ix_follows_following")
        batch_op.drop_index("ix_follows_followers")

    op.drop_table("follows")
    op.drop_table("follow_notices")
