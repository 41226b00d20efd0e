"""service keys remember when they were last used

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-30 03:05:00.000000

`mutuals project keys` shows it, so an operator can tell a key still in use from one that
can be revoked. Written at most once a minute per key (auth/service_keys.py).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "service_keys", sa.Column("last_used_at", sa.DateTime(timezone=True), nullable=True)
    )


def downgrade() -> None:
    op.drop_column("service_keys", "last_used_at")
