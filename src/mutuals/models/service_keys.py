from sqlalchemy import (
    Column,
    ForeignKey,
    PrimaryKeyConstraint,
    String,
    Table,
    UniqueConstraint,
    Uuid,
)

from mutuals.models.base import UtcDateTime, metadata

service_keys = Table(
    "service_keys",
    metadata,
    Column(
        "project_id",
        Uuid,
        ForeignKey("projects.id", ondelete="CASCADE"),
        nullable=False,
    ),
    Column("id", Uuid, nullable=False),
    # SHA-256 of the key: keys carry 256 random bits, so a fast hash cannot be brute-forced
    # and lets every request find its key with one indexed lookup.
    Column("key_hash", String(64), nullable=False),
    Column("label", String(200), nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("revoked_at", UtcDateTime, nullable=True),
    # Written at most once a minute per key (auth/service_keys.py), for `project keys`.
    Column("last_used_at", UtcDateTime, nullable=True),
    PrimaryKeyConstraint("project_id", "id"),
    # Scoped by project (requests always name theirs), which also lets the table be
    # distributed by project_id.
    UniqueConstraint("project_id", "key_hash"),
)
