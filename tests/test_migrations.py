"""Migrations are the schema: the models match them, and they run down and up again."""

import asyncio
from pathlib import Path
from typing import Any

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Connection
from sqlalchemy.ext.asyncio import create_async_engine

from mutuals.models import metadata
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
