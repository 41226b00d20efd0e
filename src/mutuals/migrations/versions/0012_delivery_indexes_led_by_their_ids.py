"""only a delivery's primary key is led by project_id

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-30 09:10:00.000000

The delivery log and event indexes were led by project_id, so they matched
"project_id = ?" as well as the primary key did. On a queue table whose statistics lag
behind its churn (analysed while nearly empty, thousands of rows seconds later)
PostgreSQL took one of them, at equal estimated cost, for the dispatcher's updates by
primary key, and each update then read every delivery of the project. Led by their own
ids they serve what they are for (a webhook's log, an event's deliveries) and nothing else.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

LOG = "ix_webhook_deliveries_webhook"
EVENT = "ix_webhook_deliveries_event"


def upgrade() -> None:
    _recreate(LOG, ["webhook_id", "project_id", "created_at", "id"])
    _recreate(EVENT, ["event_id", "project_id"])


def downgrade() -> None:
    _recreate(LOG, ["project_id", "webhook_id", "created_at", "id"])
    _recreate(EVENT, ["project_id", "event_id"])


def _recreate(name: str, columns: list[str]) -> None:
    op.drop_index(name, table_name="webhook_deliveries")
    op.create_index(name, "webhook_deliveries", columns)
