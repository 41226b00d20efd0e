"""The dispatcher's statements keep their plans on a queue table with no statistics yet.

A deliveries table that PostgreSQL analysed while nearly empty holds thousands of rows
seconds later. On such estimates the planner once updated deliveries by primary key
through another index led by project_id (each update read every delivery of the
project) and claimed by reading and sorting every due delivery: a backlog made each
attempt slower. These plans are read here on a new database that was never analysed.
(A PostgreSQL matter: SQLite's planner takes a unique index matched on all its columns.)
"""

import uuid
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event, text
from sqlalchemy.ext.asyncio import AsyncConnection, create_async_engine

from mutuals.kit.timestamps import utc_now
from mutuals.webhooks import repository
from tests.databases import migrated_database


@pytest.fixture
def fresh_postgres(tmp_path: Path) -> Iterator[str]:
    with migrated_database("postgresql", tmp_path) as url:
        yield url


def _explaining(connection: AsyncConnection) -> None:
    """The connection's UPDATE and SELECT statements answer their plans instead."""

    def explain(
        _conn: Any, _cursor: Any, statement: str, parameters: Any, _context: Any, _many: bool
    ) -> tuple[str, Any]:
        if statement.lstrip().upper().startswith(("UPDATE", "SELECT")):
            return "EXPLAIN " + statement, parameters
        return statement, parameters

    event.listen(connection.sync_connection, "before_cursor_execute", explain, retval=True)


async def _backlog(connection: AsyncConnection, count: int) -> None:
    """`count` due deliveries of one enabled webhook, and no statistics about them. Only
    their plans are read: the rows stand alone (foreign keys not checked for this session)."""
    await connection.exec_driver_sql("SET LOCAL session_replication_role = replica")
    await connection.exec_driver_sql(
        "INSERT INTO webhooks (project_id, id, url, events, secret, enabled, created_at,"
        " updated_at) VALUES ('00000000-0000-0000-0000-000000000001',"
        " '00000000-0000-0000-0000-000000000002', 'https://example.com/', '[\"*\"]',"
        " 'sealed', true, now(), now())"
    )
    await connection.execute(
        text(
            "INSERT INTO webhook_deliveries (project_id, id, webhook_id, event_id, status,"
            " attempts, next_attempt_at, created_at, updated_at)"
            " SELECT '00000000-0000-0000-0000-000000000001', gen_random_uuid(),"
            " '00000000-0000-0000-0000-000000000002', gen_random_uuid(), 'pending', 0,"
            " now() - interval '1 minute', now(), now() FROM generate_series(1, :count)"
        ),
        {"count": count},
    )
    await connection.exec_driver_sql("SET LOCAL session_replication_role = DEFAULT")


async def test_an_attempt_is_settled_through_the_primary_key(fresh_postgres: str) -> None:
    engine = create_async_engine(fresh_postgres)
    try:
        async with engine.begin() as connection:
            _explaining(connection)
            result = await connection.execute(
                repository.SETTLE,
                {
                    "b_project_id": uuid.uuid4(),
                    "b_id": uuid.uuid4(),
                    "b_attempt": 1,
                    "b_status": "succeeded",
                    "b_next_attempt_at": None,
                    "b_last_status_code": 200,
                    "b_last_error": None,
                    "b_updated_at": utc_now(),
                },
            )
            plan = "\n".join(row[0] for row in result)
    finally:
        await engine.dispose()
    assert "using pk_webhook_deliveries" in plan, plan


async def test_a_claim_walks_the_due_index_in_order(fresh_postgres: str) -> None:
    engine = create_async_engine(fresh_postgres)
    now = utc_now()
    try:
        async with engine.begin() as connection:
            await _backlog(connection, 3000)
            _explaining(connection)
            rows = await repository.claim_due(connection, now, now + timedelta(seconds=25), 32)
            plan = "\n".join(str(row["QUERY PLAN"]) for row in rows)
    finally:
        await engine.dispose()
    assert "Index Scan using ix_webhook_deliveries_due" in plan, plan
    assert "Sort" not in plan, plan
    # The claimed rows are found again by their primary key and nothing else.
    assert "ix_webhook_deliveries_event" not in plan, plan
    assert "ix_webhook_deliveries_webhook" not in plan, plan
