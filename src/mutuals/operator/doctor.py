"""`mutuals doctor`: the checks an operator runs before (or instead of) a first request.

Each check answers OK, WARN or FAIL and one line of detail; nothing is changed (pending
migrations are reported, not applied).
"""

import asyncio
from collections.abc import Awaitable
from dataclasses import dataclass
from typing import Literal, cast

import redis.asyncio as redis
from alembic.runtime.migration import MigrationContext
from sqlalchemy import text
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncConnection, create_async_engine

from mutuals.config import Settings
from mutuals.config.location import database_label, describe_database_error
from mutuals.operator.migrate import pending_revisions

Verdict = Literal["OK", "WARN", "FAIL"]
# PostgreSQL keeps these for superusers (superuser_reserved_connections' default).
RESERVED_CONNECTIONS = 3


@dataclass(frozen=True)
class Check:
    name: str
    verdict: Verdict
    detail: str

    def line(self) -> str:
        return f"{self.verdict:<5} {self.name:<16} {self.detail}"


def _current_revision(connection: Connection) -> str | None:
    return MigrationContext.configure(connection).get_current_revision()


async def _database_checks(settings: Settings, workers: int) -> list[Check]:
    url = settings.database_url
    label = database_label(url)
    timeout = settings.database_connect_timeout_seconds
    arguments = {"timeout": timeout} if url.startswith("postgresql") else {}
    engine = create_async_engine(url, connect_args=arguments)
    try:
        async with engine.connect() as connection:
            await connection.execute(text("SELECT 1"))
            checks = [Check("database", "OK", label)]
            current = await connection.run_sync(_current_revision)
            checks.append(_migrations_check(url, current))
            if connection.dialect.name == "postgresql":
                checks.append(await _connections_check(connection, settings, workers))
                checks.append(await _trigram_check(connection))
            return checks
    except Exception as error:
        reason = describe_database_error(error, url, timeout) or f"{type(error).__name__}: {error}"
        return [Check("database", "FAIL", reason)]
    finally:
        await engine.dispose()


def _migrations_check(url: str, current: str | None) -> Check:
    pending = pending_revisions(url, current)
    if not pending:
        return Check("migrations", "OK", f"at {current} (the latest)")
    return Check(
        "migrations",
        "WARN",
        f"{len(pending)} pending ({', '.join(pending)}): `mutuals migrate` or `serve` applies them",
    )


async def _connections_check(
    connection: AsyncConnection, settings: Settings, workers: int
) -> Check:
    allowed = int(await connection.scalar(text("SHOW max_connections")) or 0)
    usable = allowed - RESERVED_CONNECTIONS
    per_worker = settings.database_pool_size + settings.database_max_overflow
    if settings.read_database_url:
        per_worker *= 2
    wanted = per_worker * workers
    detail = (
        f"{workers} worker(s) x {per_worker} pooled connections = {wanted}; "
        f"max_connections is {allowed}"
    )
    if wanted > usable:
        return Check(
            "connections",
            "FAIL",
            detail + ": lower MUTUALS_DATABASE_POOL_SIZE / MAX_OVERFLOW or raise max_connections",
        )
    if wanted > usable * 0.8:
        return Check("connections", "WARN", detail + ": little room for other clients")
    return Check("connections", "OK", detail)


async def _trigram_check(connection: AsyncConnection) -> Check:
    installed = await connection.scalar(
        text("SELECT extversion FROM pg_extension WHERE extname = 'pg_trgm'")
    )
    available = await connection.scalar(
        text("SELECT EXISTS (SELECT 1 FROM pg_available_extensions WHERE name = 'pg_trgm')")
    )
    return trigram_verdict(installed, bool(available))


def trigram_verdict(installed: str | None, available: bool) -> Check:
    """User search (API.md §12.5) runs on pg_trgm, which migration 0013 creates."""
    if installed is not None:
        return Check("search", "OK", f"pg_trgm {installed} is installed")
    if available:
        return Check("search", "OK", "pg_trgm is available: `mutuals migrate` creates it")
    return Check(
        "search",
        "FAIL",
        "pg_trgm is not available on this server: install PostgreSQL's contrib package "
        "(postgresql-contrib); migrations and user search need it",
    )


async def _redis_check(settings: Settings, workers: int) -> Check:
    if not settings.redis_url:
        if workers > 1:
            return Check(
                "redis",
                "WARN",
                "MUTUALS_REDIS_URL is not set: with several workers each counts rate limits alone",
            )
        return Check("redis", "OK", "not configured: rate limits are kept in process memory")
    client = redis.from_url(settings.redis_url, socket_connect_timeout=2, socket_timeout=2)
    try:
        await cast(Awaitable[bool], client.ping())
    except (redis.RedisError, OSError) as error:
        return Check("redis", "FAIL", f"MUTUALS_REDIS_URL does not answer: {error}")
    finally:
        await client.aclose()
    return Check("redis", "OK", "answers")


def _secret_check(settings: Settings) -> Check:
    if settings.secret_key is None:
        return Check(
            "secret",
            "OK",
            "MUTUALS_SECRET_KEY is not set: a generated one is kept in the database "
            "(set it explicitly when several hosts share the database)",
        )
    problem = settings.secret_key_problem()
    if problem is not None:
        return Check("secret", "FAIL", problem)
    return Check("secret", "OK", "MUTUALS_SECRET_KEY is set")


async def run_checks(settings: Settings, workers: int) -> list[Check]:
    database, redis_check = await asyncio.gather(
        _database_checks(settings, workers), _redis_check(settings, workers)
    )
    return [*database, redis_check, _secret_check(settings)]
