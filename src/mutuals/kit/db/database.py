"""Engines and the per-request transaction.

SQLite gets two engines on the same file: reads begin a plain (deferred) transaction so
they run beside a writer under WAL, while writes begin IMMEDIATE so two writers queue on
the busy timeout instead of failing when both try to upgrade a read lock.
"""

import contextlib
import hashlib
import logging
import uuid
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from typing import Any

from sqlalchemy import BigInteger, Insert, Select, Table, bindparam, event, text
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine

from mutuals.config import Settings
from mutuals.kit.db import appends
from mutuals.kit.db.appends import DELIVERIES_QUEUED, FollowUp
from mutuals.kit.db.failures import is_database_unavailable
from mutuals.kit.db.prepared import Prepared, Row, driver_connection, execute
from mutuals.kit.errors import AppError
from mutuals.kit.observability.business import RECORDED_EVENTS, count_committed

SQLITE_BUSY_TIMEOUT_MS = 30_000

# aiosqlite logs every statement with its parameters at DEBUG, password hashes included;
# keep it quiet whatever level the operator gives the root logger.
logging.getLogger("aiosqlite").setLevel(logging.WARNING)
logger = logging.getLogger("mutuals.db")


class Database:
    def __init__(self, settings: Settings, *, follow_ups: Sequence[FollowUp]) -> None:
        """`follow_ups`: the rows that follow from appended ones (webhooks/fanout.py), on
        every write transaction of this database."""
        self.follow_ups = tuple(follow_ups)
        self.url = make_url(settings.database_url)
        self.is_sqlite = self.url.get_backend_name() == "sqlite"
        if self.is_sqlite:
            self.write_engine = _sqlite_engine(settings, begin="BEGIN IMMEDIATE")
            self.read_engine = _sqlite_engine(settings, begin=None)
        else:
            # Every PostgreSQL connection is in autocommit mode, for good: reads need no
            # transaction, and a write's transaction is begun and ended on the driver by
            # `transaction` below, so prepared statements run inside it (prepared.py).
            self.write_engine = _postgres_engine(settings, settings.database_url)
            self.read_engine = self.write_engine
        # Called after a commit that queued webhook deliveries (webhooks/dispatcher.py).
        self.on_deliveries_queued: set[Callable[[], None]] = set()
        self.has_replica = settings.read_database_url is not None
        self.replica_engine = (
            _postgres_engine(settings, settings.read_database_url)
            if settings.read_database_url
            else self.read_engine
        )
        # PostgreSQL: read connections kept between requests, out of the pool, in autocommit
        # mode. Checking one out of the pool and back (its mode set and reset, the pool's
        # events) cost about 60 us of a status read's 450 us of worker CPU; a kept one
        # costs a list pop. At most half the pool is kept, so writes always find room, and
        # kept plus pooled idle connections never exceed the pool's size.
        self._kept_reads: dict[AsyncEngine, list[AsyncConnection]] = (
            {} if self.is_sqlite else {self.read_engine: [], self.replica_engine: []}
        )
        self._keep_limit = settings.database_pool_size // 2
        self._pool_size = settings.database_pool_size

    @asynccontextmanager
    async def transaction(
        self, *, write: bool = True, replica: bool = False, durable: bool = True
    ) -> AsyncIterator[AsyncConnection]:
        """Writes: one transaction, committed when the block ends, rolled back if it raises.
        `durable=False` (PostgreSQL): the commit does not wait for its WAL to reach the disk,
        for bookkeeping whose loss in a crash is harmless (a webhook attempt made again).

        Reads: no transaction at all. Each statement is one round trip, instead of three
        with BEGIN and COMMIT around it; read endpoints never need more than statement
        level consistency.
        """
        if write:
            async with self._write_transaction(durable=durable) as connection:
                yield connection
            return
        engine = self.replica_engine if replica else self.read_engine
        kept = self._kept_reads.get(engine)
        if kept is None:
            async with engine.connect() as connection:
                yield connection
            return
        connection = await self._kept_or_new(engine, kept)
        try:
            yield connection
        except AppError:
            # An answer, not a failure: the connection is as good as it was.
            await self._keep_or_close(engine, kept, connection)
            raise
        except BaseException as exc:
            if is_database_unavailable(exc):
                # The server went away: the others kept may be dead too (the pool has
                # just been invalidated likewise), so the next reads connect afresh.
                await self._close_kept(kept, discard=True)
                await _discard(connection)
                raise
            with contextlib.suppress(Exception):
                await connection.close()
            raise
        await self._keep_or_close(engine, kept, connection)

    @asynccontextmanager
    async def _write_transaction(self, *, durable: bool) -> AsyncIterator[AsyncConnection]:
        kept = self._kept_reads.get(self.read_engine)
        if kept and _idle_in_pool(self.write_engine) == 0:
            # The pool has nothing idle: a kept read connection goes back to it for
            # this write, rather than the pool opening one more (reads and writes
            # share the pool's connections, kept or not).
            await _give_back(kept.pop(0))
        opened = self.write_engine.begin() if self.is_sqlite else self.write_engine.connect()
        async with opened as connection:
            appends.start(connection, self.follow_ups)
            driver = None if self.is_sqlite else driver_connection(connection)
            try:
                if driver is not None:
                    # One round trip, as the driver's own lazy BEGIN would have been.
                    await execute(connection, driver, BEGIN if durable else BEGIN_NOT_DURABLE)
                yield connection
                await appends.flush(connection)
                if driver is not None:
                    await execute(connection, driver, "COMMIT")
            except BaseException:
                # The marks must not outlive the transaction. A connection that was
                # lost and invalidated lost them with it, and is not touched: reading
                # its info would make SQLAlchemy try to reconnect it, outside its
                # greenlet, and leave that attempt's coroutine unawaited.
                if not connection.invalidated:
                    with contextlib.suppress(Exception):
                        appends.discard(connection)
                        connection.info.pop(DELIVERIES_QUEUED, None)
                        connection.info.pop(RECORDED_EVENTS, None)
                if driver is not None:
                    await _roll_back(connection, driver)
                raise
            queued = connection.info.pop(DELIVERIES_QUEUED, False)
            recorded = connection.info.pop(RECORDED_EVENTS, ())
        count_committed(recorded)
        # Committed: the dispatchers of this process may send at once.
        if queued:
            for wake in self.on_deliveries_queued:
                wake()

    async def _kept_or_new(
        self, engine: AsyncEngine, kept: list[AsyncConnection]
    ) -> AsyncConnection:
        while kept:
            connection = kept.pop()
            if _driver_open(connection):
                return connection
            await _give_back(connection)  # closed while kept: discarded
        return await engine.connect()

    async def _keep_or_close(
        self, engine: AsyncEngine, kept: list[AsyncConnection], connection: AsyncConnection
    ) -> None:
        """Keeps the connection, or gives it back to the pool. Kept and pooled idle
        connections together stay within the pool's size, as the pool's own idle ones did
        before any was kept: keeping never leaves more connections open on the server."""
        idle_in_pool = _idle_in_pool(engine)
        if (
            len(kept) < self._keep_limit
            and len(kept) + idle_in_pool < self._pool_size
            and not connection.closed
            and not connection.invalidated
        ):
            kept.append(connection)
            return
        await connection.close()
        # Writes gave connections back meanwhile: the kept ones over the budget go back
        # too (the pool closes those it has no room for).
        while kept and len(kept) + _idle_in_pool(engine) > self._pool_size:
            await _give_back(kept.pop(0))

    async def _close_kept(self, kept: list[AsyncConnection], *, discard: bool = False) -> None:
        while kept:
            connection = kept.pop()
            await (_discard if discard else _give_back)(connection)

    def connections_in_use(self) -> int:
        pool = self.write_engine.pool
        checked_out = getattr(pool, "checkedout", None)
        if not callable(checked_out):
            return 0
        # Kept read connections are out of the pool but idle.
        return int(checked_out()) - len(self._kept_reads.get(self.read_engine, ()))

    async def ping(self) -> None:
        async with self.read_engine.connect() as connection:
            await connection.exec_driver_sql("SELECT 1")

    async def dispose(self) -> None:
        for kept in self._kept_reads.values():
            await self._close_kept(kept)
        for engine in {self.write_engine, self.read_engine, self.replica_engine}:
            await engine.dispose()


BEGIN = "BEGIN"
# Bookkeeping whose loss in a crash is harmless: the commit does not wait for the disk.
BEGIN_NOT_DURABLE = "BEGIN; SET LOCAL synchronous_commit TO OFF"


async def _roll_back(connection: AsyncConnection, driver: Any) -> None:
    """Ends a failed write transaction; a connection that cannot is never reused (the pool
    would otherwise hand out a connection still inside a transaction)."""
    try:
        if not driver.is_closed() and driver.is_in_transaction():
            await driver.execute("ROLLBACK")
    except Exception:
        # The transaction's own failure is what the caller raises.
        await _discard(connection)
    except BaseException:
        await _discard(connection)
        raise


async def _discard(connection: AsyncConnection) -> None:
    """Closes the driver's connection for good: the pool opens a new one in its place."""
    with contextlib.suppress(Exception):
        await connection.invalidate()
    with contextlib.suppress(Exception):
        await connection.close()


async def _give_back(connection: AsyncConnection) -> None:
    """Returns a kept connection to the pool; one the server closed while it was kept (a
    restart, an idle timeout) is discarded instead, never left where a write would take it."""
    if not _driver_open(connection):
        await _discard(connection)
        return
    with contextlib.suppress(Exception):
        await connection.close()


def _idle_in_pool(engine: AsyncEngine) -> int:
    checked_in = getattr(engine.pool, "checkedin", None)
    return int(checked_in()) if callable(checked_in) else 0


def _driver_open(connection: AsyncConnection) -> bool:
    """Whether the driver still holds the connection's socket open (as far as it knows)."""
    if connection.closed or connection.invalidated:
        return False
    return not driver_connection(connection).is_closed()


def _sqlite_engine(settings: Settings, *, begin: str | None) -> AsyncEngine:
    engine = create_async_engine(
        settings.database_url,
        hide_parameters=True,
        connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000},
    )

    @event.listens_for(engine.sync_engine, "connect")
    def on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Take transaction control from the driver so we can choose BEGIN IMMEDIATE.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    if begin is not None:

        @event.listens_for(engine.sync_engine, "begin")
        def on_begin(connection: Any) -> None:
            connection.exec_driver_sql(begin)

    return engine


def _postgres_engine(settings: Settings, url: str) -> AsyncEngine:
    engine = create_async_engine(
        url,
        hide_parameters=True,
        isolation_level="AUTOCOMMIT",
        pool_size=settings.database_pool_size,
        max_overflow=settings.database_max_overflow,
        pool_timeout=settings.database_connect_timeout_seconds,
        # No ping on every checkout (a round trip per request): a connection that turns
        # out dead fails its statement, SQLAlchemy then invalidates the whole pool, and
        # the request answers 503 while the next ones reconnect.
        connect_args={
            "timeout": settings.database_connect_timeout_seconds,
            # Past the server's own statement timeout: normally the server cancels first
            # and the connection stays usable; this catches a server that never answers.
            "command_timeout": settings.database_statement_timeout_seconds + 0.5,
            "server_settings": {
                "application_name": "mutuals",
                # The server cancels a statement past the timeout itself, releasing its
                # locks, rather than leaving it running after the client gave up.
                "statement_timeout": str(int(settings.database_statement_timeout_seconds * 1000)),
                # Every statement here is a few index ranges: JIT compilation, triggered by
                # cost estimates on skewed data, took 200 ms to save nothing (measured on
                # the batch relationships statement), so it is off for this service's
                # sessions.
                "jit": "off",
            },
        },
    )

    @event.listens_for(engine.sync_engine, "handle_error")
    def on_error(context: Any) -> None:
        # A statement the server never answered: asyncpg has asked for its cancellation on
        # a new connection, and a graceful close would wait for that too (a second timeout).
        # The connection is discarded anyway, so it is closed at once.
        if isinstance(context.original_exception, TimeoutError) and context.connection:
            fairy = context.connection.connection
            driver = getattr(getattr(fairy, "dbapi_connection", None), "driver_connection", None)
            terminate = getattr(driver, "terminate", None)
            if callable(terminate):
                terminate()

    return engine


# INSERT in each dialect's own construct, which knows ON CONFLICT (both do).
DIALECT_INSERTS: dict[str, Callable[[Table], Any]] = {
    "postgresql": postgresql_insert,
    "sqlite": sqlite_insert,
}


def dialect_insert(connection: AsyncConnection, table: Table) -> Any:
    """INSERT in the connection's dialect."""
    return DIALECT_INSERTS[connection.dialect.name](table)


def insert_ignoring_conflicts(connection: AsyncConnection, table: Table) -> Insert:
    """INSERT … ON CONFLICT DO NOTHING, in the dialect of the connection.

    Races on unique keys are settled by the database: the loser's insert returns no row.
    """
    statement: Insert = dialect_insert(connection, table).on_conflict_do_nothing()
    return statement


class InsertUnlessTaken:
    """`INSERT INTO table (columns) SELECT … ON CONFLICT DO NOTHING RETURNING …`, built once
    for each dialect: the insert's SELECT carries its conditions, a race on a unique key is
    settled by the database, and a refused insert returns no row."""

    def __init__(
        self, table: Table, columns: list[str], values: Select[Any], *returning: Any
    ) -> None:
        self._by_dialect = {
            name: Prepared(
                build(table)
                .from_select(columns, values)
                .on_conflict_do_nothing()
                .returning(*returning)
            )
            for name, build in DIALECT_INSERTS.items()
        }

    async def row(self, connection: AsyncConnection, parameters: dict[str, Any]) -> Row | None:
        return await self._by_dialect[connection.dialect.name].row(connection, parameters)


def advisory_key(material: bytes) -> int:
    """A PostgreSQL advisory lock key (signed 64 bits) for whatever `material` names."""
    digest = hashlib.blake2b(material, digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


async def lock_pair(
    connection: AsyncConnection, project_id: uuid.UUID, a: uuid.UUID, b: uuid.UUID
) -> None:
    """Serialises, until the transaction ends, every change that may link or separate two
    users (a request, a follow, a block), so a block and a new link between the same pair
    cannot both commit unseen by each other.

    PostgreSQL: a transaction-scoped advisory lock on a 64-bit key of the unordered pair.
    SQLite: nothing to do, its write transactions already run one at a time.
    """
    if connection.dialect.name != "postgresql":
        return
    await PAIR_LOCK.rows(connection, {"key": pair_lock_key(project_id, a, b)})


def pair_lock_key(project_id: uuid.UUID, a: uuid.UUID, b: uuid.UUID) -> int:
    """The advisory lock key of the unordered pair (a, b) in the project."""
    low, high = (a, b) if a < b else (b, a)
    return advisory_key(project_id.bytes + low.bytes + high.bytes)


PAIR_LOCK = Prepared(
    text("SELECT pg_advisory_xact_lock(:key)").bindparams(bindparam("key", type_=BigInteger()))
)
