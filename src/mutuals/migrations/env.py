"""Alembic environment: runs migrations over the async engine of the configured URL."""

import asyncio

from alembic import context
from sqlalchemy import pool, text
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import create_async_engine

from mutuals.models import metadata
from mutuals.models.user_search import in_schema

# Several `mutuals serve` processes may start at once; this lock makes them take turns.
MIGRATION_LOCK_KEY = 7_104_221_011


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
        include_object=lambda _object, name, kind, *_: in_schema(
            connection.dialect.name, kind, name
        ),
    )
    with context.begin_transaction():
        if connection.dialect.name == "postgresql":
            connection.execute(text(f"SELECT pg_advisory_xact_lock({MIGRATION_LOCK_KEY})"))
        context.run_migrations()


async def _run_async(url: str, connect_timeout: float) -> None:
    # A server that accepts but never answers fails within the connect timeout, not 60 s.
    arguments = {"timeout": connect_timeout} if url.startswith("postgresql") else {}
    engine = create_async_engine(url, poolclass=pool.NullPool, connect_args=arguments)
    try:
        async with engine.connect() as connection:
            await connection.run_sync(_run)
            await connection.commit()
    finally:
        await engine.dispose()


url = context.config.attributes.get("url") or context.config.get_main_option("sqlalchemy.url")
if context.is_offline_mode():
    context.configure(url=url, target_metadata=metadata, literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()
else:
    asyncio.run(_run_async(str(url), float(context.config.attributes.get("connect_timeout", 5.0))))
