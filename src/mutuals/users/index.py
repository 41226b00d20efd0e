"""The search index of users (models/user_search.py), written by the transaction that
writes the profile or the follow it reflects, so a user is found as they are now.

Autocomplete rows carry the user's follower tier, which changes only when the followers
count crosses a power of two: a follow rewrites them a few times in a user's life, not
at every follow.
"""

import uuid
from collections.abc import Iterable, Iterator
from typing import Any

from sqlalchemy import Connection, delete, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from mutuals.kit.db.rows import matching
from mutuals.models import user_search_terms, user_search_trigrams, users
from mutuals.users.names import PREFIX_LENGTH, folded_name, search_terms, trigrams


def follower_tier(followers_count: int) -> int:
    return 64 - max(followers_count, 0).bit_length()


def term_rows(
    project_id: uuid.UUID,
    user_id: uuid.UUID,
    username: str | None,
    name: str | None,
    followers_count: int,
) -> list[dict[str, Any]]:
    tier = follower_tier(followers_count)
    return [
        {
            "project_id": project_id,
            "user_id": user_id,
            "kind": kind,
            "term": term,
            "prefix": term[:length],
            "follower_tier": tier,
            "username": username,
        }
        for kind, term in search_terms(username, name)
        for length in range(1, min(PREFIX_LENGTH, len(term)) + 1)
    ]


def trigram_rows(
    project_id: uuid.UUID, user_id: uuid.UUID, username: str | None, name: str | None
) -> list[dict[str, Any]]:
    grams = trigrams(username or "") | trigrams(folded_name(name) or "")
    return [
        {"project_id": project_id, "trigram": gram, "user_id": user_id} for gram in sorted(grams)
    ]


def _rows(
    dialect: str,
    project_id: uuid.UUID,
    user_id: uuid.UUID,
    username: str | None,
    name: str | None,
    followers_count: int,
) -> Iterator[tuple[Any, list[dict[str, Any]]]]:
    yield user_search_terms, term_rows(project_id, user_id, username, name, followers_count)
    if dialect == "sqlite":  # PostgreSQL searches `users` through pg_trgm instead
        yield user_search_trigrams, trigram_rows(project_id, user_id, username, name)


async def index_user(
    connection: AsyncConnection,
    project_id: uuid.UUID,
    user_id: uuid.UUID,
    username: str | None,
    name: str | None,
    followers_count: int,
    *,
    new: bool,
) -> None:
    """Writes the user's index rows; a user already indexed (`new=False`) loses the old
    ones first."""
    dialect = connection.dialect.name
    for table, rows in _rows(dialect, project_id, user_id, username, name, followers_count):
        if not new:
            await connection.execute(
                delete(table).where(matching(table, project_id=project_id, user_id=user_id))
            )
        if rows:
            await connection.execute(insert(table), rows)


async def follower_count_changed(
    connection: AsyncConnection, project_id: uuid.UUID, user_id: uuid.UUID, count: int, delta: int
) -> None:
    """After a follow or unfollow moved the user's followers count to `count`."""
    tier = follower_tier(count)
    if tier == follower_tier(count - delta):
        return
    await connection.execute(
        update(user_search_terms)
        .where(matching(user_search_terms, project_id=project_id, user_id=user_id))
        .values(follower_tier=tier)
    )


def backfill(connection: Connection, batch: int = 2000) -> None:
    """Indexes every user already present (the migration that creates the index)."""
    dialect = connection.dialect.name
    after: tuple[uuid.UUID, uuid.UUID] | None = None
    while True:
        statement = select(
            users.c.project_id, users.c.id, users.c.username, users.c.name, users.c.followers_count
        ).order_by(users.c.project_id, users.c.id)
        if after is not None:
            statement = statement.where(
                (users.c.project_id > after[0])
                | ((users.c.project_id == after[0]) & (users.c.id > after[1]))
            )
        found = connection.execute(statement.limit(batch)).all()
        if not found:
            return
        for table, rows in _batch_rows(dialect, found):
            if rows:
                connection.execute(insert(table), rows)
        for row in found:
            if row.name:
                connection.execute(
                    update(users)
                    .where(matching(users, project_id=row.project_id, id=row.id))
                    .values(name_folded=folded_name(row.name))
                )
        after = (found[-1].project_id, found[-1].id)


def _batch_rows(dialect: str, found: Iterable[Any]) -> Iterator[tuple[Any, list[dict[str, Any]]]]:
    collected: dict[Any, list[dict[str, Any]]] = {}
    for row in found:
        for table, rows in _rows(
            dialect, row.project_id, row.id, row.username, row.name, row.followers_count
        ):
            collected.setdefault(table, []).extend(rows)
    yield from collected.items()
