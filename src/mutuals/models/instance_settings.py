from sqlalchemy import Column, String, Table, Text

from mutuals.models.base import UtcDateTime, metadata

# The one table without project_id: it holds deployment-wide values such as the
# generated token-signing key, which every worker process must share.
instance_settings = Table(
    "instance_settings",
    metadata,
    Column("name", String(100), primary_key=True),
    Column("value", Text, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
)
