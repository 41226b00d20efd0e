"""Prepared statements (kit/db/prepared.py) run inside the request's transaction and read back
the same values as SQLAlchemy's own execution of the same statement."""

import uuid
from datetime import UTC

import pytest
from fastapi import FastAPI
from sqlalchemy import bindparam, select

from mutuals.connections import repository
from mutuals.kit.db.database import Database
from mutuals.kit.db.prepared import Prepared
from mutuals.models import users
from tests.factories import ProjectFactory

COUNTER = select(users.c.connections_count).where(
    users.c.project_id == bindparam("project_id"), users.c.id == bindparam("user_id")
)


class RollbackError(Exception):
    pass


async def _counter(database: Database, project_id: uuid.UUID, user_id: uuid.UUID) -> int:
    async with database.transaction(write=False) as connection:
        value: int = await connection.scalar(
            COUNTER, {"project_id": project_id, "user_id": user_id}
        )
        return value


async def test_a_change_rolls_back_with_its_transaction(
    app: FastAPI, project: ProjectFactory
) -> None:
    """The first statement of a write transaction opens it, even when prepared: without
    that, the change would commit on its own and survive the rollback."""
    database: Database = app.state.database
    alice, bob = await project.user(), await project.user()
    project_id, a, b = uuid.UUID(project.id), uuid.UUID(alice.id), uuid.UUID(bob.id)
    with pytest.raises(RollbackError):
        async with database.transaction() as connection:
            profiles = await repository.adjust_connection_counts(connection, project_id, a, b, 5)
            assert set(profiles) == {a, b}
            raise RollbackError
    assert await _counter(database, project_id, a) == 0
    async with database.transaction() as connection:
        await repository.adjust_connection_counts(connection, project_id, a, b, 2)
    assert await _counter(database, project_id, a) == 2
    assert await _counter(database, project_id, b) == 2


async def test_rows_read_as_sqlalchemy_reads_them(app: FastAPI, project: ProjectFactory) -> None:
    database: Database = app.state.database
    alice, bob = await project.user(), await project.user()
    await project.call("POST", f"/users/{bob.id}/connection", as_user=alice, json={})
    project_id, a, b = uuid.UUID(project.id), uuid.UUID(alice.id), uuid.UUID(bob.id)
    low, high = repository.canonical_pair(a, b)
    parameters = {"project_id": project_id, "low": low, "high": high}
    async with database.transaction(write=False) as connection:
        prepared = await repository.FIND_BETWEEN.row(connection, parameters)
        result = await connection.execute(repository.FIND_BETWEEN.statement, parameters)
        plain = result.mappings().one()
    assert prepared is not None
    assert dict(prepared) == dict(plain)
    assert prepared["created_at"].tzinfo == UTC
    assert prepared["requester_id"] == a


async def test_a_statement_with_a_list_parameter_is_refused(app: FastAPI) -> None:
    database: Database = app.state.database
    expanding = Prepared(select(users.c.id).where(users.c.id.in_(bindparam("ids", expanding=True))))
    async with database.transaction(write=False) as connection:
        if connection.dialect.name != "postgresql":
            pytest.skip("SQLite runs every statement through SQLAlchemy")
        with pytest.raises(TypeError, match="expanding"):
            await expanding.rows(connection, {"ids": [uuid.uuid4()]})
