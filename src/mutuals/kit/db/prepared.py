"""Statements SQLAlchemy builds once, run on PostgreSQL as asyncpg prepared statements.

(In an UPDATE or INSERT, a parameter must not be named like a column of the table:
SQLAlchemy would read it, on SQLite, as a value to set.)

SQLAlchemy stays the one place statements are written (and what SQLite runs), but on
PostgreSQL its execution layer (the greenlet hop, cursor emulation and result wrapping)
cost a read more than the database did: about a quarter of a worker's CPU time per status
read. A `Prepared` statement is compiled once per dialect; each call binds its parameters
in the compiled order, through each type's own bind processor, and runs on the request's
own connection through asyncpg (the driver connection SQLAlchemy hands out publicly),
which keeps the statement prepared per connection.

What reaches the code above is what SQLAlchemy's own path gives, on both databases: rows
read by column name (dicts, every value through its type's result processor) and errors
of SQLAlchemy's family (`IntegrityError`, `DBAPIError`, … with the driver's error as
`orig`). A write connection is already inside its transaction when a statement runs here:
Database.transaction begins it on the driver before handing the connection out.
"""

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import asyncpg
from sqlalchemy import Dialect, Table, exc
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.sql import ClauseElement
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.visitors import iterate

# Where a connection keeps what must run before a prepared statement on some tables (the
# rows appended to them and still waiting are written first: appends.py).
BEFORE_STATEMENT = "mutuals_before_statement"
# A row read by column name, on both databases.
Row = Mapping[Any, Any]
Processor = Callable[[Any], Any] | None

# The driver's errors as SQLAlchemy's family names them (the first match wins).
ERROR_FAMILY: tuple[tuple[type[BaseException], type[exc.DBAPIError]], ...] = (
    (asyncpg.IntegrityConstraintViolationError, exc.IntegrityError),
    (asyncpg.DataError, exc.DataError),
    (asyncpg.SyntaxOrAccessError, exc.ProgrammingError),
    (asyncpg.InternalServerError, exc.InternalError),
    (asyncpg.InterfaceError, exc.InterfaceError),
    (asyncpg.PostgresError, exc.DBAPIError),
)


@dataclass(frozen=True)
class CompiledStatement:
    sql: str
    names: tuple[str, ...]
    binds: tuple[Processor, ...]
    # Values fixed when the statement was built (`.values(status="accepted")`), by name.
    fixed: Mapping[str, Any]
    # None for a statement whose columns SQLAlchemy does not know (a text() statement):
    # its records are read by the names the server gives them, as they are.
    keys: tuple[str, ...] | None
    results: tuple[Processor, ...]


def compile_for(statement: ClauseElement, dialect: Dialect) -> CompiledStatement:
    """The statement's SQL with positional parameters, and how to convert its values."""
    compiled = statement.compile(dialect=dialect)
    if not isinstance(compiled, SQLCompiler) or compiled.positiontup is None:
        raise TypeError("a prepared statement needs positional parameters")
    if compiled.literal_execute_params or compiled.post_compile_params:
        # Rendered per call (expanding IN lists): not a fixed statement to prepare.
        raise TypeError("a prepared statement cannot have expanding parameters")
    names = tuple(compiled.positiontup)
    columns = getattr(statement, "exported_columns", None)
    keys = tuple(columns.keys()) if columns is not None else None
    results = tuple(
        column.type.dialect_impl(dialect).result_processor(dialect, None)
        for column in (columns or ())
    )
    return CompiledStatement(
        sql=compiled.string,
        names=names,
        binds=tuple(
            _single(compiled.binds[name].type.dialect_impl(dialect).bind_processor(dialect))
            for name in names
        ),
        fixed={
            name: bind.effective_value
            for name, bind in compiled.binds.items()
            if bind.value is not None or bind.callable is not None
        },
        keys=keys,
        results=results,
    )


class Prepared:
    def __init__(self, statement: ClauseElement) -> None:
        self.statement = statement
        self.compiled: CompiledStatement | None = None
        # The tables it reads or changes (a DML statement's own table is not among the
        # elements it iterates).
        target = getattr(statement, "table", None)
        self.tables = frozenset(
            element for element in iterate(statement) if isinstance(element, Table)
        ) | ({target} if isinstance(target, Table) else set())

    async def rows(self, connection: AsyncConnection, parameters: Mapping[str, Any]) -> list[Row]:
        before = connection.info.get(BEFORE_STATEMENT)
        if before is not None:
            await before(connection, self.tables)
        if connection.dialect.name != "postgresql":
            result = await connection.execute(self.statement, parameters)  # type: ignore[call-overload]
            return [dict(row) for row in result.mappings()] if result.returns_rows else []
        compiled = self.compiled
        if compiled is None:
            compiled = self.compiled = compile_for(self.statement, connection.dialect)
        fixed = compiled.fixed
        values = [
            parameters[name] if name in parameters else fixed[name] for name in compiled.names
        ]
        arguments = [
            value if bind is None else bind(value)
            for value, bind in zip(values, compiled.binds, strict=True)
        ]
        records = await fetch(connection, compiled.sql, arguments)
        keys, processors = compiled.keys, compiled.results
        if keys is None:
            return [dict(record.items()) for record in records]
        return [
            {
                key: value if process is None else process(value)
                for key, process, value in zip(keys, processors, record, strict=True)
            }
            for record in records
        ]

    async def row(self, connection: AsyncConnection, parameters: Mapping[str, Any]) -> Row | None:
        found = await self.rows(connection, parameters)
        return found[0] if found else None

    async def scalar(self, connection: AsyncConnection, parameters: Mapping[str, Any]) -> Any:
        found = await self.rows(connection, parameters)
        return next(iter(found[0].values())) if found else None


def _single(processor: Any) -> Processor:
    if processor is None:
        return None
    if not callable(processor):
        raise TypeError("a prepared statement's parameters are single values")
    single: Callable[[Any], Any] = processor
    return single


def driver_connection(connection: AsyncConnection) -> Any:
    """The driver's own connection under SQLAlchemy's (public: PoolProxiedConnection)."""
    pooled = connection.sync_connection
    if pooled is None:
        raise RuntimeError("the connection is closed")
    driver = pooled.connection.driver_connection
    if driver is None:
        raise RuntimeError("the connection has no driver connection")
    return driver


async def fetch(connection: AsyncConnection, sql: str, arguments: Sequence[Any]) -> list[Any]:
    """The statement's records, run on the driver; its failures as SQLAlchemy's."""
    driver = driver_connection(connection)
    try:
        records: list[Any] = await driver.fetch(sql, *arguments)
        return records
    except BaseException as error:
        await _raise_as_family(connection, driver, sql, error)
        raise


async def execute(connection: AsyncConnection, driver: Any, sql: str) -> None:
    """A statement without parameters or rows (BEGIN, COMMIT…) on the driver; its failures
    as SQLAlchemy's."""
    try:
        await driver.execute(sql)
    except BaseException as error:
        await _raise_as_family(connection, driver, sql, error)
        raise


async def _raise_as_family(
    connection: AsyncConnection, driver: Any, sql: str, error: BaseException
) -> None:
    """Raises the driver's error as SQLAlchemy's family names it (and returns for anything
    else, a cancellation or a timeout, which the caller raises as it is)."""
    if isinstance(error, TimeoutError):
        # No answer from the server: close at once, as the engine's error hook does.
        driver.terminate()
    lost = driver.is_closed()
    if lost and not connection.invalidated:
        # The pool must not hand this connection out again.
        await connection.invalidate()
    family = next(
        (kind for driver_kind, kind in ERROR_FAMILY if isinstance(error, driver_kind)), None
    )
    if family is not None:
        raise family(sql, None, error, connection_invalidated=lost) from error
