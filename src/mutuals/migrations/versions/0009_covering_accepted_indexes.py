"""accepted-connection indexes carry the other side (PostgreSQL INCLUDE)

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-29 20:10:00.000000

On PostgreSQL the two partial indexes of accepted connections are rebuilt with the other
side of the record included, so reading a user's connections (lists, the viewer filter,
mutual counts, suggestions) never visits the table. SQLite has no INCLUDE: nothing changes
there. The rebuild locks writes to `connections` while it runs (seconds per million
accepted connections).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SIDES = (("requester", "receiver"), ("receiver", "requester"))
ACCEPTED = sa.text("status = 'accepted'")


def _rebuild(include: bool) -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for side, other in SIDES:
        name = f"ix_connections_accepted_by_{side}"
        op.drop_index(name, table_name="connections", postgresql_where=ACCEPTED)
        op.create_index(
            name,
            "connections",
            ["project_id", f"{side}_id", "responded_at", "id"],
            unique=False,
            postgresql_where=ACCEPTED,
            postgresql_include=[f"{other}_id"] if include else [],
        )


def upgrade() -> None:
    _rebuild(include=True)


def downgrade() -> None:
    _rebuild(include=False)
