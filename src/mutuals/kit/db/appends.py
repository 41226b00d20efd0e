"""Rows a change appends and never reads back in its own transaction (its events, API.md
§9.1, and its notifications), and the rows that follow from them (a webhook's deliveries
follow its project's events: a `FollowUp`, declared by the feature that owns it).

They wait on the connection and are written together just before the commit
(database.py): on PostgreSQL in one statement whatever their number, built from the
tables' metadata (each table's rows arrive as one array per column, which `unnest` turns
back into rows), so a transition that records two events and a notification pays one
round trip for them instead of three. They commit exactly when the change does, and a
rolled-back change writes none of them. A prepared statement that reads or deletes rows of
a table with rows waiting writes them first (prepared.py), so no caller has to remember.
"""

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import orjson
from sqlalchemy import (
    CTE,
    Insert,
    Table,
    Text,
    bindparam,
    cast,
    exists,
    func,
    insert,
    literal,
    select,
)
from sqlalchemy.dialects import postgresql
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.sql.elements import ColumnElement

from mutuals.kit.db.prepared import BEFORE_STATEMENT, Prepared

# Set on a connection whose transaction queued webhook deliveries: its commit wakes this
# process's dispatchers (database.py).
DELIVERIES_QUEUED = "mutuals_deliveries_queued"
WAITING = "mutuals_appends"
FOLLOW_UPS = "mutuals_follow_ups"
Row = dict[str, Any]
POSTGRES = postgresql.asyncpg.dialect()  # type: ignore[no-untyped-call]


def deliveries_queued(connection: AsyncConnection) -> None:
    """Marks the transaction as one whose commit should wake this process's dispatchers."""
    connection.info[DELIVERIES_QUEUED] = True


@dataclass(frozen=True)
class FollowUp:
    """The rows another table gains when rows are appended to `table`, on each database:
    `postgres` is the INSERT … SELECT reading the appended rows (a CTE with every column of
    `table`) and RETURNING a row for each row it adds; `sqlite` inserts them and answers
    whether it added any; `added` runs on the connection when some were added."""

    table: Table
    postgres: Callable[[CTE], Insert]
    sqlite: Callable[[AsyncConnection, list[Row]], Awaitable[bool]]
    added: Callable[[AsyncConnection], None]


@dataclass
class Waiting:
    rows: dict[Table, list[Row]] = field(default_factory=dict)


def start(connection: AsyncConnection, follow_ups: Sequence[FollowUp]) -> None:
    """Makes a write transaction's connection ready to append (database.py)."""
    connection.info[FOLLOW_UPS] = follow_ups


def add(connection: AsyncConnection, table: Table, row: Row) -> None:
    """A row of `table`, given whole (project_id included), written before the commit."""
    waiting: Waiting | None = connection.info.get(WAITING)
    if waiting is None:
        waiting = connection.info[WAITING] = Waiting()
        connection.info[BEFORE_STATEMENT] = _flush_before
    waiting.rows.setdefault(table, []).append(row)


def discard(connection: AsyncConnection) -> None:
    """Forgets what waits (the transaction is rolling back)."""
    connection.info.pop(WAITING, None)
    connection.info.pop(BEFORE_STATEMENT, None)


async def _flush_before(connection: AsyncConnection, tables: frozenset[Table]) -> None:
    """Called before a prepared statement on `tables`: rows it may read are written."""
    waiting: Waiting | None = connection.info.get(WAITING)
    if waiting is not None and tables & waiting.rows.keys():
        await flush(connection)


async def flush(connection: AsyncConnection) -> None:
    """Writes what waits, in the connection's transaction."""
    waiting: Waiting | None = connection.info.pop(WAITING, None)
    connection.info.pop(BEFORE_STATEMENT, None)
    if waiting is None or not waiting.rows:
        return
    follow_ups: Sequence[FollowUp] = connection.info.get(FOLLOW_UPS, ())
    if connection.dialect.name == "postgresql":
        added = await _flush_postgres(connection, waiting, follow_ups)
    else:
        added = await _flush_sqlite(connection, waiting, follow_ups)
    for follow_up in added:
        follow_up.added(connection)


def _is_json(column: ColumnElement[Any]) -> bool:
    return isinstance(column.type.dialect_impl(POSTGRES), JSONB)


def _appended(table: Table, prefix: str) -> Insert:
    """INSERT INTO table SELECT … FROM unnest(one array per column), from the metadata.
    JSON documents travel as text (an array of jsonb would be encoded item by item)."""
    names = [column.name for column in table.columns]
    arrays = [
        bindparam(f"{prefix}{column.name}", type_=ARRAY(Text if _is_json(column) else column.type))
        for column in table.columns
    ]
    rows = func.unnest(*arrays).table_valued(*names).render_derived(name=f"{prefix}rows")
    values = [
        cast(rows.c[column.name], JSONB) if _is_json(column) else rows.c[column.name]
        for column in table.columns
    ]
    return insert(table).from_select(names, select(*values))


_STATEMENTS: dict[tuple[Table, ...], tuple[Prepared, tuple[FollowUp, ...]]] = {}


def _postgres_statement(
    tables: tuple[Table, ...], follow_ups: Sequence[FollowUp]
) -> tuple[Prepared, tuple[FollowUp, ...]]:
    """One statement for these tables' rows and what follows from them, built once: it
    answers one column per follow-up, true when it added rows."""
    known = _STATEMENTS.get(tables)
    if known is not None:
        return known
    ctes: list[CTE] = []
    flags: list[ColumnElement[bool]] = []
    used: list[FollowUp] = []
    for index, table in enumerate(tables):
        inserted = _appended(table, f"t{index}_")
        follows = [follow_up for follow_up in follow_ups if follow_up.table is table]
        if not follows:
            ctes.append(inserted.cte(f"appended_{index}"))
            continue
        appended = inserted.returning(*table.columns).cte(f"appended_{index}")
        ctes.append(appended)
        for number, follow_up in enumerate(follows):
            consequence = follow_up.postgres(appended).cte(f"followed_{index}_{number}")
            ctes.append(consequence)
            flags.append(exists(select(literal(1)).select_from(consequence)))
            used.append(follow_up)
    columns = flags or [literal(True)]
    statement = select(*(flag.label(f"added_{n}") for n, flag in enumerate(columns)))
    built = (Prepared(statement.add_cte(*ctes)), tuple(used))
    _STATEMENTS[tables] = built
    return built


def _column_values(table: Table, rows: list[Row], prefix: str) -> dict[str, list[Any]]:
    values = {}
    for column in table.columns:
        items = [row.get(column.name) for row in rows]
        if _is_json(column):
            items = [orjson.dumps(item).decode() for item in items]
        values[f"{prefix}{column.name}"] = items
    return values


async def _flush_postgres(
    connection: AsyncConnection, waiting: Waiting, follow_ups: Sequence[FollowUp]
) -> list[FollowUp]:
    tables = tuple(sorted(waiting.rows, key=lambda table: table.name))
    prepared, used = _postgres_statement(tables, follow_ups)
    parameters: dict[str, list[Any]] = {}
    for index, table in enumerate(tables):
        parameters.update(_column_values(table, waiting.rows[table], f"t{index}_"))
    answer = await prepared.row(connection, parameters)
    flags = list(answer.values()) if answer is not None else []
    return [follow_up for follow_up, flag in zip(used, flags, strict=False) if flag]


async def _flush_sqlite(
    connection: AsyncConnection, waiting: Waiting, follow_ups: Sequence[FollowUp]
) -> list[FollowUp]:
    """The same rows in a few statements (no network between them, no CTE inserts)."""
    added = []
    for table, rows in waiting.rows.items():
        await connection.execute(insert(table), rows)
        for follow_up in follow_ups:
            if follow_up.table is table and await follow_up.sqlite(connection, rows):
                added.append(follow_up)
    return added
