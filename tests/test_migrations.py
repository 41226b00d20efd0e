"""Migrations are the schema: the models match them, and they run down and up again."""

import asyncio
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Connection, Uuid, bindparam, func, insert, select, text
from sqlalchemy.ext.asyncio import create_async_engine

from mutuals.models import metadata, projects, user_search_terms, user_search_trigrams, users
from mutuals.models.base import UtcDateTime
from mutuals.models.user_search import in_schema
from mutuals.operator.migrate import alembic_config, upgrade
from tests.databases import migrated_database


async def schema_differences(url: str) -> list[Any]:
    engine = create_async_engine(url)

    def compare(connection: Connection) -> list[Any]:
        dialect = connection.dialect.name

        def include(_object: Any, name: str | None, kind: str, *_: Any) -> bool:
            return in_schema(dialect, kind, name)

        context = MigrationContext.configure(
            connection, opts={"compare_type": True, "include_object": include}
        )
        return list(compare_metadata(context, metadata))

    try:
        async with engine.connect() as connection:
            return await connection.run_sync(compare)
    finally:
        await engine.dispose()


def test_models_match_the_migrations(database_url: str) -> None:
    assert asyncio.run(schema_differences(database_url)) == []


def test_downgrade_to_base_and_upgrade_again(backend_name: str, tmp_path: Path) -> None:
    with migrated_database(backend_name, tmp_path) as url:
        command.downgrade(alembic_config(url), "base")
        upgrade(url)
        assert asyncio.run(schema_differences(url)) == []


async def _seed_before_search(url: str) -> tuple[uuid.UUID, list[uuid.UUID]]:
    """A project and users written as they were before migration 0013 (no search index)."""
    project_id, user_ids = uuid.uuid4(), [uuid.uuid4(), uuid.uuid4(), uuid.uuid4()]
    engine = create_async_engine(url)
    now = datetime.now(UTC)
    profiles = [("ada_l", "Ada Lovelace", 5), ("jose", "José María", 0), (None, None, 0)]
    try:
        async with engine.begin() as connection:
            await connection.execute(
                insert(projects).values(id=project_id, name="before", created_at=now)
            )
            for user_id, (username, name, followers) in zip(user_ids, profiles, strict=True):
                await connection.execute(
                    text(
                        "INSERT INTO users (project_id, id, username, name, metadata, auth_methods,"
                        " followers_count, created_at, updated_at) VALUES (:p, :id, :username,"
                        " :name, '{}', '[]', :followers, :now, :now)"
                    ).bindparams(
                        bindparam("p", type_=Uuid),
                        bindparam("id", type_=Uuid),
                        bindparam("now", type_=UtcDateTime),
                    ),
                    {
                        "p": project_id,
                        "id": user_id,
                        "username": username,
                        "name": name,
                        "followers": followers,
                        "now": now,
                    },
                )
    finally:
        await engine.dispose()
    return project_id, user_ids


async def _search_index(url: str) -> tuple[dict[Any, Any], set[Any], int]:
    engine = create_async_engine(url)
    try:
        async with engine.connect() as connection:
            folded = dict((await connection.execute(select(users.c.id, users.c.name_folded))).all())
            terms = set(
                (
                    await connection.execute(
                        select(
                            user_search_terms.c.user_id,
                            user_search_terms.c.kind,
                            user_search_terms.c.prefix,
                            user_search_terms.c.follower_tier,
                        )
                    )
                ).all()
            )
            grams = await connection.scalar(select(func.count()).select_from(user_search_trigrams))
            return folded, terms, int(grams or 0)
    finally:
        await engine.dispose()


def test_the_search_index_is_built_for_users_already_there(
    backend_name: str, tmp_path: Path
) -> None:
    with migrated_database(backend_name, tmp_path) as url:
        command.downgrade(alembic_config(url), "0012")
        _, (ada, jose, nameless) = asyncio.run(_seed_before_search(url))
        upgrade(url)
        folded, terms, grams = asyncio.run(_search_index(url))
    assert folded == {ada: "ada lovelace", jose: "jose maria", nameless: None}
    tier_of_five = 64 - 3  # five followers: bit length 3
    assert {(user, kind, prefix) for user, kind, prefix, _ in terms} == {
        *((ada, 0, prefix) for prefix in ("a", "ad", "ada")),
        *((ada, 1, prefix) for prefix in ("a", "ad", "ada", "l", "lo", "lov")),
        *((jose, 0, prefix) for prefix in ("j", "jo", "jos")),
        *((jose, 1, prefix) for prefix in ("j", "jo", "jos", "m", "ma", "mar")),
    }
    assert {tier for user, _, _, tier in terms if user == ada} == {tier_of_five}
    assert {tier for user, _, _, tier in terms if user == jose} == {64}
    # SQLite's trigram table; PostgreSQL searches users through pg_trgm instead.
    assert (grams > 0) == (backend_name == "sqlite")
