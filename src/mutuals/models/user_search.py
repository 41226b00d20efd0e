"""What finding users reads (API.md §12), kept by the transactions that write profiles and
follows (users/index.py), so a lookup never scans the project's users.

- `user_search_terms`: autocomplete. One row per prefix (1 to 3 characters) of each term
  of a user (the username, each folded word of the name), in the order suggestions rank:
  kind (username before name), then most followed first, then username. A query reads
  the rows of its first three characters from the top of that order.
- `user_search_trigrams`: typo-tolerant search on SQLite, which has no pg_trgm: the
  trigrams of each user's username and folded name. PostgreSQL searches `users` itself
  through pg_trgm indexes (below) and leaves this table empty.
"""

from sqlalchemy import (
    Column,
    ForeignKeyConstraint,
    Index,
    PrimaryKeyConstraint,
    SmallInteger,
    String,
    Table,
    Uuid,
)

from mutuals.models.base import metadata
from mutuals.models.users import users

user_search_terms = Table(
    "user_search_terms",
    metadata,
    Column("project_id", Uuid, nullable=False),
    Column("user_id", Uuid, nullable=False),
    Column("kind", SmallInteger, nullable=False),  # 0 username, 1 a word of the name
    Column("term", String(200), nullable=False),
    Column("prefix", String(3), nullable=False),
    # 64 minus the bit length of the followers count: ascending puts the most followed
    # first, and the value changes only when the count crosses a power of two.
    Column("follower_tier", SmallInteger, nullable=False),
    Column("username", String(30), nullable=True),
    PrimaryKeyConstraint("project_id", "user_id", "kind", "term", "prefix"),
    ForeignKeyConstraint(
        ["project_id", "user_id"], ["users.project_id", "users.id"], ondelete="CASCADE"
    ),
)
# Covering, so a suggestion's candidates are one index range read in rank order.
Index(
    "ix_user_search_terms_rank",
    user_search_terms.c.project_id,
    user_search_terms.c.prefix,
    user_search_terms.c.kind,
    user_search_terms.c.follower_tier,
    user_search_terms.c.username,
    user_search_terms.c.user_id,
    user_search_terms.c.term,
)

user_search_trigrams = Table(
    "user_search_trigrams",
    metadata,
    Column("project_id", Uuid, nullable=False),
    Column("trigram", String(3), nullable=False),
    Column("user_id", Uuid, nullable=False),
    PrimaryKeyConstraint("project_id", "trigram", "user_id"),
    ForeignKeyConstraint(
        ["project_id", "user_id"], ["users.project_id", "users.id"], ondelete="CASCADE"
    ),
    sqlite_with_rowid=False,
)
Index(
    "ix_user_search_trigrams_user",
    user_search_trigrams.c.project_id,
    user_search_trigrams.c.user_id,
)

# PostgreSQL only (pg_trgm's operator classes); created by migration 0013 there.
NAME_TRIGRAMS = Index(
    "ix_users_name_trigrams",
    users.c.name_folded,
    postgresql_using="gin",
    postgresql_ops={"name_folded": "gin_trgm_ops"},
).ddl_if(dialect="postgresql")
USERNAME_TRIGRAMS = Index(
    "ix_users_username_trigrams",
    users.c.username,
    postgresql_using="gin",
    postgresql_ops={"username": "gin_trgm_ops"},
).ddl_if(dialect="postgresql")
POSTGRESQL_ONLY_INDEXES = frozenset({"ix_users_name_trigrams", "ix_users_username_trigrams"})


def in_schema(dialect: str, kind: str, name: str | None) -> bool:
    """Whether an object of the metadata exists in a database of `dialect` (for comparing
    the models with a migrated database)."""
    return not (kind == "index" and name in POSTGRESQL_ONLY_INDEXES and dialect != "postgresql")
