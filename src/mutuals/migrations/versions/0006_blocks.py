"""blocks

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-29 16:49:23.230035
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "blocks",
        sa.Column("project_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("blocker_id", sa.Uuid(), nullable=False),
        sa.Column("blocked_id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("blocker_id <> blocked_id", name=op.f("ck_blocks_not_self")),
        sa.ForeignKeyConstraint(
            ["project_id", "blocked_id"],
            ["users.project_id", "users.id"],
            name=op.f("fk_blocks_project_id_blocked_id_users"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["project_id", "blocker_id"],
            ["users.project_id", "users.id"],
            name=op.f("fk_blocks_project_id_blocker_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("project_id", "id", name=op.f("pk_blocks")),
        sa.UniqueConstraint(
            "project_id",
            "blocker_id",
            "blocked_id",
            name=op.f("uq_blocks_project_id_blocker_id_blocked_id"),
        ),
    )
    with op.batch_alter_table("blocks", schema=None) as batch_op:
        batch_op.create_index(
            "ix_blocks_blocked", ["project_id", "blocked_id", "blocker_id"], unique=False
        )
        batch_op.create_index(
            "ix_blocks_mine", ["project_id", "blocker_id", "created_at", "id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("blocks", schema=None) as batch_op:
        batch_op.drop_index("ix_blocks_mine")
        batch_op.drop_index("ix_blocks_blocked")

    op.drop_table("blocks")
