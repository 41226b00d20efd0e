from sqlalchemy import (
    Column,
    Index,
    Integer,
    LargeBinary,
    PrimaryKeyConstraint,
    String,
    Table,
    Uuid,
)

from mutuals.models.base import UtcDateTime, metadata

# The first response to a request sent with an Idempotency-Key (API.md §10.1), kept for
# 24 hours per project, caller and key. A row is written in the same transaction as the
# request's effect, so it exists exactly when the effect does.
idempotency_keys = Table(
    "idempotency_keys",
    metadata,
    Column("project_id", Uuid, nullable=False),
    # Whose key it is: "user:<id>" for an access token, "service:<acting user>" for a
    # service key (its requests act for a user; each user's keys are their own).
    Column("caller", String(64), nullable=False),
    Column("key", String(255), nullable=False),
    # SHA-256 of method, path with query, and body: a retry must match it exactly.
    Column("fingerprint", String(64), nullable=False),
    Column("status", Integer, nullable=False),
    Column("media_type", String(100), nullable=True),
    Column("body", LargeBinary, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    PrimaryKeyConstraint("project_id", "caller", "key"),
)

# The purge reads expired rows oldest first.
Index("ix_idempotency_keys_created", idempotency_keys.c.created_at)
