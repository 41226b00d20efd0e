"""service keys unique per project

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-29 03:42:23.763043
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("service_keys", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_service_keys_key_hash"), type_="unique")
        batch_op.create_unique_constraint(
            batch_op.f("uq_service_keys_project_id_key_hash"), ["project_id", "key_hash"]
        )


def downgrade() -> None:
    with op.batch_alter_table("service_keys", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_service_keys_project_id_key_hash"), type_="unique")
        batch_op.create_unique_constraint(batch_op.f("uq_service_keys_key_hash"), ["key_hash"])
