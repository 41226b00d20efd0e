from sqlalchemy import (
    CheckConstraint,
    Column,
    ForeignKeyConstraint,
    Index,
    PrimaryKeyConstraint,
    String,
    Table,
    UniqueConstraint,
    Uuid,
    text,
)

from mutuals.models.base import UtcDateTime, metadata

connections = Table(
    "connections",
    metadata,
    Column("project_id", Uuid, nullable=False),
    Column("id", Uuid, nullable=False),
    Column("requester_id", Uuid, nullable=False),
    Column("receiver_id", Uuid, nullable=False),
    # The pair in canonical order (smaller id first): the unique constraint over it is
    # what makes "one record per unordered pair" hold however many requests race.
    Column("pair_low_id", Uuid, nullable=False),
    Column("pair_high_id", Uuid, nullable=False),
    Column("status", String(10), nullable=False),
    Column("message", String(500), nullable=True),
    Column("created_at", UtcDateTime, nullable=False),
    Column("responded_at", UtcDateTime, nullable=True),
    PrimaryKeyConstraint("project_id", "id"),
    UniqueConstraint("project_id", "pair_low_id", "pair_high_id"),
    CheckConstraint("status IN ('pending', 'accepted', 'declined')", name="status"),
    CheckConstraint("pair_low_id < pair_high_id", name="pair_order"),
    CheckConstraint(
        "(requester_id = pair_low_id AND receiver_id = pair_high_id)"
        " OR (requester_id = pair_high_id AND receiver_id = pair_low_id)",
        name="pair_members",
    ),
    CheckConstraint("status = 'pending' OR responded_at IS NOT NULL", name="responded"),
    ForeignKeyConstraint(
        ["project_id", "requester_id"],
        ["users.project_id", "users.id"],
        ondelete="CASCADE",
    ),
    ForeignKeyConstraint(
        ["project_id", "receiver_id"],
        ["users.project_id", "users.id"],
        ondelete="CASCADE",
    ),
)

# Partial indexes, one per list: each serves its page straight from an index range in
# the list's order, whichever side of the record the user is on. Queries must compare
# status with a literal (not a bound parameter) for the planner to pick them.
# The accepted ones also carry the other side of the record (PostgreSQL INCLUDE), so the
# lists, the viewer filter and the discovery statements read edges from the index alone.
for side, other in (("requester_id", "receiver_id"), ("receiver_id", "requester_id")):
    short = side.removesuffix("_id")
    Index(
        f"ix_connections_accepted_by_{short}",
        connections.c.project_id,
        connections.c[side],
        connections.c.responded_at,
        connections.c.id,
        postgresql_where=text("status = 'accepted'"),
        sqlite_where=text("status = 'accepted'"),
        postgresql_include=[other],
    )
    Index(
        f"ix_connections_pending_by_{short}",
        connections.c.project_id,
        connections.c[side],
        connections.c.created_at,
        connections.c.id,
        postgresql_where=text("status = 'pending'"),
        sqlite_where=text("status = 'pending'"),
    )
