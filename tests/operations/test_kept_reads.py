"""Read connections kept between requests (db.Database, PostgreSQL): reads stop checking
connections out of the pool, writes still find room in it, and a kept connection that
dies costs one answer, as a dead pooled one did."""

import asyncio
import time
from typing import Any

import asyncpg
from sqlalchemy import event

from mutuals.config import Settings
from mutuals.kit.db.database import Database, _driver_open
from tests.connections.factories import request
from tests.factories import ProjectFactory


def counting_checkouts(database: Database) -> list[int]:
    checkouts = [0]

    def count(*_: Any) -> None:
        checkouts[0] += 1

    for engine in {database.write_engine, database.read_engine}:
        event.listen(engine.sync_engine.pool, "checkout", count)
    return checkouts


async def test_reads_reuse_kept_connections(project: ProjectFactory, settings: Settings) -> None:
    ada, bob = await project.user(), await project.user()
    database: Database = project.app.state.database
    checkouts = counting_checkouts(database)
    for _ in range(5):
        response = await project.call("GET", f"/users/{bob.id}/connection", ada)
        assert response.status_code == 200, response.text
    if database.is_sqlite:
        assert checkouts[0] == 5
    else:
        # At most the first read took one from the pool; the others reused it.
        assert checkouts[0] <= 1
        assert database.connections_in_use() == 0
    await request(project, ada, bob)  # a write finds a connection in the pool


async def test_a_kept_connection_the_server_closed_is_let_go(
    project: ProjectFactory, settings: Settings
) -> None:
    database: Database = project.app.state.database
    if database.is_sqlite:
        return  # nothing is kept: every read opens the database file's connection
    ada, bob = await project.user(), await project.user()
    path = f"/users/{bob.id}/connection"
    assert (await project.call("GET", path, ada)).status_code == 200
    kept = list(database._kept_reads[database.read_engine])
    assert kept, "the read's connection was kept"
    pids = []
    for connection in kept:
        raw = await connection.get_raw_connection()
        pids.append(raw.driver_connection.get_server_pid())  # type: ignore[union-attr]
    admin = await asyncpg.connect(settings.database_url.replace("+asyncpg", ""))
    try:
        for pid in pids:
            await admin.execute("SELECT pg_terminate_backend($1)", pid)
    finally:
        await admin.close()
    # Until the driver has read the server's goodbye (the event loop's next turns).
    deadline = time.monotonic() + 5
    while any(_driver_open(connection) for connection in kept):
        assert time.monotonic() < deadline, "the driver never saw its connection closed"
        await asyncio.sleep(0.01)
    answers = [(await project.call("GET", path, ada)).status_code for _ in range(3)]
    assert answers == [200, 200, 200]
    now_kept = database._kept_reads[database.read_engine]
    assert all(_driver_open(connection) for connection in now_kept)


async def test_kept_and_pooled_idle_connections_stay_within_the_pool(
    project: ProjectFactory,
) -> None:
    database: Database = project.app.state.database
    if database.is_sqlite:
        return
    users = [await project.user() for _ in range(9)]
    first, others = users[0], users[1:]
    reads = [project.call("GET", f"/users/{other.id}/connection", first) for other in others]
    writes = [
        project.call("POST", f"/users/{other.id}/connection", first, json={}) for other in others
    ]
    answers = await asyncio.gather(*reads, *writes)
    assert {answer.status_code for answer in answers} == {200, 201}
    more = [project.call("GET", f"/users/{other.id}/connection", first) for other in others]
    assert {answer.status_code for answer in await asyncio.gather(*more)} == {200}
    kept = database._kept_reads[database.read_engine]
    idle = database.write_engine.pool.checkedin()  # type: ignore[attr-defined]
    assert len(kept) + idle <= database._pool_size, (len(kept), idle)
