"""Statements SQLAlchemy builds once, run on PostgreSQL as asyncpg prepared statements.

(In an UPDATE or INSERT, a parameter must not be named like a column of the table:
SQLAlchemy would read it, on SQLite, as a value to set.)

SQLAlchemy stays the one place statements are written (and what SQLite runs), but on
PostgreSQL its execution layer (the greenlet hop, cursor emulation and result wrapping)
cost a read more than the database did: about a quarter of a worker's CPU time per status
read. A `Prepared` statement is compiled once per dialect; each call binds its parameters
in the compiled order and runs on the request's own connection through asyncpg, which
keeps the statement prepared per connection. Rows come back as asyncpg records (read by
column name, like SQLAlchemy's row mappings), passed through the columns' result
processors where a type has one.

The connection's transaction is honoured: on a write connection SQLAlchemy's driver
adapter begins lazily, at its first statement, so that is done here first when needed.
"""

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Dialect
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.sql import ClauseElement
from sqlalchemy.sql.compiler import SQLCompiler

# Read by column name; SQLAlchemy's row mappings and asyncpg's records both are.
Row = Mapping[Any, Any]
Processor = Callable[[Any], Any] | None


@dataclass(frozen=True)
class _Compiled:
    sql: str
    names: tuple[str, ...]
    binds: tuple[Processor, ...]
    # Values fixed when the statement was built (`.values(status="accepted")`), by name.
    fixed: Mapping[str, Any]
    keys: tuple[str, ...]
    # None when no column needs processing: the driver's records are returned as they are.
    results: tuple[Processor, ...] | None


class Prepared:
    def __init__(self, statement: ClauseElement) -> None:
        self.statement = statement
        self._postgres: _Compiled | None = None

    def _compile(self, dialect: Dialect) -> _Compiled:
        compiled = self.statement.compile(dialect=dialect)
        if not isinstance(compiled, SQLCompiler) or compiled.positiontup is None:
            raise TypeError("a prepared statement needs positional parameters")
        if compiled.literal_execute_params or compiled.post_compile_params:
            # Rendered per call (expanding IN lists): not a fixed statement to prepare.
            raise TypeError("a prepared statement cannot have expanding parameters")
        bind_processors = compiled._bind_processors
        names = tuple(compiled.positiontup)
        columns = compiled._result_columns
        results = tuple(column.type._cached_result_processor(dialect, None) for column in columns)
        return _Compiled(
            sql=compiled.string,
            names=names,
            binds=tuple(_single(bind_processors.get(name)) for name in names),
            fixed={
                name: bind.effective_value
                for name, bind in compiled.binds.items()
                if bind.value is not None or bind.callable is not None
            },
            keys=tuple(column.keyname for column in columns),
            results=results if any(results) else None,
        )

    async def rows(self, connection: AsyncConnection, parameters: Mapping[str, Any]) -> list[Row]:
        if connection.dialect.name != "postgresql":
            result = await connection.execute(self.statement, parameters)  # type: ignore[call-overload]
            mapped: list[Row] = list(result.mappings()) if result.returns_rows else []
            return mapped
        compiled = self._postgres
        if compiled is None:
            compiled = self._postgres = self._compile(connection.dialect)
        fixed = compiled.fixed
        values = [
            parameters[name] if name in parameters else fixed[name] for name in compiled.names
        ]
        arguments = [
            value if bind is None else bind(value)
            for value, bind in zip(values, compiled.binds, strict=True)
        ]
        records = await _fetch(connection, compiled.sql, arguments)
        if compiled.results is None:
            return records
        keys, processors = compiled.keys, compiled.results
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


async def _fetch(connection: AsyncConnection, sql: str, arguments: Sequence[Any]) -> list[Any]:
    pooled = connection.sync_connection
    if pooled is None:
        raise RuntimeError("the connection is closed")
    adapter: Any = pooled.connection.dbapi_connection
    driver: Any = pooled.connection.driver_connection
    if adapter is None or driver is None:
        raise RuntimeError("the connection has no driver connection")
    try:
        # The adapter's own lock and lazy BEGIN (SQLAlchemy's asyncpg dialect): a write
        # connection's first statement opens its transaction, whichever path runs it.
        async with adapter._execute_mutex:
            if adapter._transaction is None:
                await adapter._start_transaction()
            records: list[Any] = await driver.fetch(sql, *arguments)
            return records
    except BaseException as error:
        if isinstance(error, TimeoutError):
            # No answer from the server: close at once, as db.py's error hook does.
            driver.terminate()
        if driver.is_closed():
            # The pool must not hand this connection out again.
            await connection.invalidate()
        raise
