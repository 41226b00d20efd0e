"""finding users: folded names, autocomplete terms, trigram search

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-08 03:00:00.000000

API.md §12. `users.name_folded` (the name's words, lower case, without accents) and the
autocomplete rows of `user_search_terms` are filled here for the users already present,
and from now on by the transactions that write profiles (users/index.py). On PostgreSQL
the typo-tolerant search runs on pg_trgm's GIN indexes over `users`, so the extension is
created here (`mutuals doctor` says when it cannot be); on SQLite it reads
`user_search_trigrams`.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from mutuals.users.index import backfill

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    bind = op.get_bind()
    postgresql = bind.dialect.name == "postgresql"
    if postgresql:
        _create_trigram_extension(bind)
    op.add_column("users", sa.Column("name_folded", sa.String(200), nullable=True))
    op.create_table(
        "user_search_terms",
        sa.Column("project_id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.SmallInteger(), nullable=False),
        sa.Column("term", sa.String(200), nullable=False),
        sa.Column("prefix", sa.String(3), nullable=False),
        sa.Column("follower_tier", sa.SmallInteger(), nullable=False),
        sa.Column("username", sa.String(30), nullable=True),
        sa.PrimaryKeyConstraint(
            "project_id", "user_id", "kind", "term", "prefix", name=op.f("pk_user_search_terms")
        ),
        sa.ForeignKeyConstraint(
            ["project_id", "user_id"],
            ["users.project_id", "users.id"],
            name=op.f("fk_user_search_terms_project_id_user_id_users"),
            ondelete="CASCADE",
        ),
    )
    op.create_index(
        "ix_user_search_terms_rank",
        "user_search_terms",
        ["project_id", "prefix", "kind", "follower_tier", "username", "user_id", "term"],
    )
    op.create_table(
        "user_search_trigrams",
        sa.Column("project_id", sa.Uuid(), nullable=False),
        sa.Column("trigram", sa.String(3), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.PrimaryKeyConstraint(
            "project_id", "trigram", "user_id", name=op.f("pk_user_search_trigrams")
        ),
        sa.ForeignKeyConstraint(
            ["project_id", "user_id"],
            ["users.project_id", "users.id"],
            name=op.f("fk_user_search_trigrams_project_id_user_id_users"),
            ondelete="CASCADE",
        ),
        sqlite_with_rowid=False,
    )
    op.create_index(
        "ix_user_search_trigrams_user", "user_search_trigrams", ["project_id", "user_id"]
    )
    if postgresql:
        op.create_index(
            "ix_users_name_trigrams",
            "users",
            ["name_folded"],
            postgresql_using="gin",
            postgresql_ops={"name_folded": "gin_trgm_ops"},
        )
        op.create_index(
            "ix_users_username_trigrams",
            "users",
            ["username"],
            postgresql_using="gin",
            postgresql_ops={"username": "gin_trgm_ops"},
        )
    backfill(bind)


MISSING = (
    "user search needs PostgreSQL's pg_trgm extension, which this server does not have: "
    "install PostgreSQL's contrib package (postgresql-contrib), then run `mutuals migrate`"
)
DENIED = (
    "user search needs PostgreSQL's pg_trgm extension, and this database user may not "
    "create it: have the database owner or a superuser run `CREATE EXTENSION pg_trgm` in "
    "this database, then run `mutuals migrate`"
)


def _create_trigram_extension(bind: sa.Connection) -> None:
    available = bind.execute(
        sa.text("SELECT 1 FROM pg_available_extensions WHERE name = 'pg_trgm'")
    ).first()
    if available is None:
        raise RuntimeError(MISSING)
    try:
        with bind.begin_nested():
            bind.execute(sa.text("CREATE EXTENSION IF NOT EXISTS pg_trgm"))
    except sa.exc.DBAPIError as error:
        raise RuntimeError(DENIED) from error


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.drop_index("ix_users_username_trigrams", table_name="users")
        op.drop_index("ix_users_name_trigrams", table_name="users")
    op.drop_index("ix_user_search_trigrams_user", table_name="user_search_trigrams")
    op.drop_table("user_search_trigrams")
    op.drop_index("ix_user_search_terms_rank", table_name="user_search_terms")
    op.drop_table("user_search_terms")
    with op.batch_alter_table("users") as batch:
        batch.drop_column("name_folded")
