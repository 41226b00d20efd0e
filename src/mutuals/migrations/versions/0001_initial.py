"""projects, service keys, users, connections, notifications

Revision ID: 0001
Revises:
Create Date: 2026-11-29 03:12:48.249081
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "instance_settings",
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_instance_settings")),
    )
    op.create_table(
        "projects",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("external_user_public_key", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_projects")),
    )
    op.create_table(
        "service_keys",
        sa.Column("project_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("key_hash", sa.String(length=64), nullable=False),
        sa.Column("label", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["project_id"],
            ["projects.id"],
            name=op.f("fk_service_keys_project_id_projects"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("project_id", "id", name=op.f("pk_service_keys")),
        sa.UniqueConstraint("key_hash", name=op.f("uq_service_keys_key_hash")),
    )
    op.create_table(
        "users",
        sa.Column("project_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("foreign_id", sa.String(length=255), nullable=True),
        sa.Column("email", sa.String(length=320), nullable=True),
        sa.Column("password_hash", sa.String(length=255), nullable=True),
        sa.Column("name", sa.String(length=100), nullable=True),
        sa.Column("username", sa.String(length=30), nullable=True),
        sa.Column("avatar", sa.Text(), nullable=True),
        sa.Column("bio", sa.String(length=300), nullable=True),
        sa.Column(
            "metadata",
            sa.JSON().with_variant(postgresql.JSONB(), "postgresql"),
            nullable=False,
        ),
        sa.Column("reputation", sa.Integer(), server_default="0", nullable=False),
        sa.Column("is_verified", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("is_active", sa.Boolean(), server_default=sa.true(), nullable=False),
        sa.Column(
            "auth_methods",
            sa.JSON().with_variant(postgresql.JSONB(), "postgresql"),
            nullable=False,
        ),
        sa.Column("connections_count", sa.Integer(), server_default="0", nullable=False),
        sa.Column("last_active", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["project_id"],
            ["projects.id"],
            name=op.f("fk_users_project_id_projects"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("project_id", "id", name=op.f("pk_users")),
        sa.UniqueConstraint("project_id", "email", name=op.f("uq_users_project_id_email")),
        sa.UniqueConstraint(
            "project_id", "foreign_id", name=op.f("uq_users_project_id_foreign_id")
        ),
        sa.UniqueConstraint("project_id", "username", name=op.f("uq_users_project_id_username")),
    )
    op.create_table(
        "app_notifications",
        sa.Column("project_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("type", sa.String(length=50), nullable=False),
        sa.Column("action", sa.String(length=50), nullable=False),
        sa.Column("is_read", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column(
            "metadata",
            sa.JSON().with_variant(postgresql.JSONB(), "postgresql"),
            nullable=False,
        ),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["project_id", "user_id"],
            ["users.project_id", "users.id"],
            name=op.f("fk_app_notifications_project_id_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("project_id", "id", name=op.f("pk_app_notifications")),
    )
    with op.batch_alter_table("app_notifications", schema=None) as batch_op:
        batch_op.create_index(
            "ix_app_notifications_unread",
            ["project_id", "user_id"],
            unique=False,
            postgresql_where=sa.text("is_read = false"),
            sqlite_where=sa.text("is_read = false"),
        )
        batch_op.create_index(
            "ix_app_notifications_user_created",
            ["project_id", "user_id", "created_at", "id"],
            unique=False,
        )

    op.create_table(
        "connections",
        sa.Column("project_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("requester_id", sa.Uuid(), nullable=False),
        sa.Column("receiver_id", sa.Uuid(), nullable=False),
        sa.Column("pair_low_id", sa.Uuid(), nullable=False),
        sa.Column("pair_high_id", sa.Uuid(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("message", sa.String(length=500), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("responded_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "status = 'pending' OR responded_at IS NOT NULL",
            name=op.f("ck_connections_responded"),
        ),
        sa.CheckConstraint(
            "status IN ('pending', 'accepted', 'declined')",
            name=op.f("ck_connections_status"),
        ),
        sa.CheckConstraint(
            "(requester_id = pair_low_id AND receiver_id = pair_high_id) OR (requester_id = pair_high_id AND receiver_id = pair_low_id)",
            name=op.f("ck_connections_pair_members"),
        ),
        sa.CheckConstraint("pair_low_id < pair_high_id", name=op.f("ck_connections_pair_order")),
        sa.ForeignKeyConstraint(
            ["project_id", "receiver_id"],
            ["users.project_id", "users.id"],
            name=op.f("fk_connections_project_id_receiver_id_users"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["project_id", "requester_id"],
            ["users.project_id", "users.id"],
            name=op.f("fk_connections_project_id_requester_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("project_id", "id", name=op.f("pk_connections")),
        sa.UniqueConstraint(
            "project_id",
            "pair_low_id",
            "pair_high_id",
            name=op.f("uq_connections_project_id_pair_low_id_pair_high_id"),
        ),
    )
    with op.batch_alter_table("connections", schema=None) as batch_op:
        batch_op.create_index(
            "ix_connections_accepted_by_receiver",
            ["project_id", "receiver_id", "responded_at", "id"],
            unique=False,
            postgresql_where=sa.text("status = 'accepted'"),
            sqlite_where=sa.text("status = 'accepted'"),
        )
        batch_op.create_index(
            "ix_connections_accepted_by_requester",
            ["project_id", "requester_id", "responded_at", "id"],
            unique=False,
            postgresql_where=sa.text("status = 'accepted'"),
            sqlite_where=sa.text("status = 'accepted'"),
        )
        batch_op.create_index(
            "ix_connections_pending_by_receiver",
            ["project_id", "receiver_id", "created_at", "id"],
            unique=False,
            postgresql_where=sa.text("status = 'pending'"),
            sqlite_where=sa.text("status = 'pending'"),
        )
        batch_op.create_index(
            "ix_connections_pending_by_requester",
            ["project_id", "requester_id", "created_at", "id"],
            unique=False,
            postgresql_where=sa.text("status = 'pending'"),
            sqlite_where=sa.text("status = 'pending'"),
        )


def downgrade() -> None:
    with op.batch_alter_table("connections", schema=None) as batch_op:
        batch_op.drop_index(
            "ix_connections_pending_by_requester",
            postgresql_where=sa.text("status = 'pending'"),
            sqlite_where=sa.text("status = 'pending'"),
        )
        batch_op.drop_index(
            "ix_connections_pending_by_receiver",
            postgresql_where=sa.text("status = 'pending'"),
            sqlite_where=sa.text("status = 'pending'"),
        )
        batch_op.drop_index(
            "ix_connections_accepted_by_requester",
            postgresql_where=sa.text("status = 'accepted'"),
            sqlite_where=sa.text("status = 'accepted'"),
        )
        batch_op.drop_index(
            "ix_connections_accepted_by_receiver",
            postgresql_where=sa.text("status = 'accepted'"),
            sqlite_where=sa.text("status = 'accepted'"),
        )

    op.drop_table("connections")
    with op.batch_alter_table("app_notifications", schema=None) as batch_op:
        batch_op.drop_index("ix_app_notifications_user_created")
        batch_op.drop_index(
            "ix_app_notifications_unread",
            postgresql_where=sa.text("is_read = false"),
            sqlite_where=sa.text("is_read = false"),
        )

    op.drop_table("app_notifications")
    op.drop_table("users")
    op.drop_table("service_keys")
    op.drop_table("projects")
    op.drop_table("instance_settings")
