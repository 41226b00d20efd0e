"""Test databases: a fresh SQLite file or a fresh PostgreSQL database per test run."""

import asyncio
import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import asyncpg
import pytest

from mutuals.operator.migrate import upgrade

# The suite's share of a PostgreSQL server that other programs may be using (README): the
# in-process app of the session, one served instance at a time (each of its worker
# processes with its own pool), and a few direct connections of the tests themselves.
# Peak: 8 + 2 x 12 (the two-worker test) + a handful, under PEAK_BUDGET; the run measures
# its real peak and fails past the budget.
SESSION_POOL = {"database_pool_size": 4, "database_max_overflow": 4}
SERVED_POOL = {"database_pool_size": 6, "database_max_overflow": 6}
SERVED_POOL_ENV = {"MUTUALS_DATABASE_POOL_SIZE": "6", "MUTUALS_DATABASE_MAX_OVERFLOW": "6"}
PEAK_BUDGET = 40
TEST_DATABASE_PREFIX = "mutuals_test_"

POSTGRES_ADMIN_DSN = os.environ.get(
    "MUTUALS_TEST_POSTGRES_DSN", "postgresql://postgres@127.0.0.1:5432/postgres"
)


def in_ci() -> bool:
    return os.environ.get("CI", "").lower() in {"1", "true", "yes"}


async def _admin(sql: str) -> None:
    connection = await asyncpg.connect(POSTGRES_ADMIN_DSN, timeout=5)
    try:
        await connection.execute(sql)
    finally:
        await connection.close()


def _postgres_reachable() -> str | None:
    try:
        asyncio.run(_admin("SELECT 1"))
    except (OSError, asyncpg.PostgresError, TimeoutError) as exc:
        return f"{type(exc).__name__}: {exc}"
    return None


@contextmanager
def migrated_database(backend: str, tmp_dir: Path) -> Iterator[str]:
    """Yields the SQLAlchemy URL of a new database with every migration applied."""
    if backend == "sqlite":
        url = f"sqlite+aiosqlite:///{tmp_dir / 'mutuals.db'}"
        upgrade(url)
        yield url
        return
    problem = _postgres_reachable()
    if problem is not None:
        if in_ci():
            pytest.fail(f"PostgreSQL must be reachable in CI ({POSTGRES_ADMIN_DSN}): {problem}")
        pytest.skip(f"PostgreSQL not reachable at {POSTGRES_ADMIN_DSN}: {problem}")
    name = f"{TEST_DATABASE_PREFIX}{uuid.uuid4().hex[:12]}"
    asyncio.run(_admin(f'CREATE DATABASE "{name}"'))
    base = POSTGRES_ADMIN_DSN.rsplit("/", 1)[0].replace("postgresql://", "postgresql+asyncpg://")
    url = f"{base}/{name}"
    try:
        upgrade(url)
        yield url
    finally:
        asyncio.run(_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
