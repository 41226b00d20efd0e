"""suggestion dismissals

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-29 19:40:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "suggestion_dismissals",
        sa.Column("project_id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("dismissed_user_id", sa.Uuid(), nullable=False),
        sa.Column("dismissed_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "user_id <> dismissed_user_id", name=op.f("ck_suggestion_dismissals_not_self")
        ),
        sa.ForeignKeyConstraint(
            ["project_id", "dismissed_user_id"],
            ["users.project_id", "users.id"],
            name=op.f("fk_suggestion_dismissals_project_id_dismissed_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["project_id", "user_id"],
            ["users.project_id", "users.id"],
            name=op.f("fk_suggestion_dismissals_project_id_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "project_id", "user_id", "dismissed_user_id", name=op.f("pk_suggestion_dismissals")
        ),
    )


def downgrade() -> None:
    op.drop_table("suggestion_dismissals")
