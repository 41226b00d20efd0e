"""§8.1: how the caller relates to up to 100 users, in one call and a constant number of
statements."""

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from fastapi import FastAPI
from sqlalchemy import event

from mutuals.kit.db.database import Database
from tests.assertions import assert_bare, assert_error, assert_json
from tests.blocks.factories import block
from tests.connections.factories import connect, decline, request
from tests.factories import Member, ProjectFactory
from tests.follows.factories import follow


def related(
    user: Member,
    connection: dict[str, str] | None = None,
    *,
    following: bool = False,
    followed_by: bool = False,
    blocking: bool = False,
    mutuals: int = 0,
) -> dict[str, Any]:
    return {
        "userId": user.id,
        "connection": connection or {"status": "none"},
        "following": following,
        "followedBy": followed_by,
        "blocking": blocking,
        "mutualConnectionsCount": mutuals,
    }


async def relationships(project: ProjectFactory, caller: Member, ids: list[str]) -> Any:
    response = await project.call("GET", "/relationships", caller, params={"ids": ",".join(ids)})
    assert response.status_code == 200, response.text
    return response.json()


async def test_every_state_in_the_order_given(project: ProjectFactory) -> None:
    ada, bob, cat, dan, eve, fay, gus = [await project.user() for _ in range(7)]
    sent = await request(project, ada, bob)
    received = await request(project, cat, ada)
    connected = await connect(project, ada, dan)
    declined_by_eve = await decline(project, ada, eve)
    await follow(project, ada, bob)
    await follow(project, cat, ada)
    await follow(project, ada, dan)
    await follow(project, dan, ada)
    await block(project, ada, fay)
    unknown = str(uuid.uuid4())
    ids = [gus.id, unknown, eve.id, dan.id, cat.id, bob.id, fay.id]

    body = await relationships(project, ada, ids)

    assert body == {
        "data": [
            related(gus),
            {"userId": unknown, "found": False},
            related(eve, {"status": "declined", "type": "sent", "connectionId": declined_by_eve}),
            related(
                dan,
                {"status": "connected", "connectionId": connected},
                following=True,
                followed_by=True,
            ),
            related(
                cat,
                {"status": "pending", "type": "received", "connectionId": received},
                followed_by=True,
            ),
            related(
                bob, {"status": "pending", "type": "sent", "connectionId": sent}, following=True
            ),
            related(fay, blocking=True),
        ]
    }
    # The other side of the declined record.
    seen_by_eve = await relationships(project, eve, [ada.id])
    assert seen_by_eve["data"][0]["connection"] == {
        "status": "declined",
        "type": "received",
        "connectionId": declined_by_eve,
    }


async def test_mutual_connection_counts(project: ProjectFactory) -> None:
    ada, bob, cat, dan, eve = [await project.user() for _ in range(5)]
    for friend in (cat, dan, eve):
        await connect(project, ada, friend)
    await connect(project, bob, cat)
    await connect(project, dan, bob)
    await request(project, bob, eve)  # pending: not a connection
    body = await relationships(project, ada, [bob.id, cat.id, ada.id])
    assert [item["mutualConnectionsCount"] for item in body["data"]] == [2, 0, 0]
    # The caller's own id relates to nothing.
    assert body["data"][2] == related(ada)
    assert (await relationships(project, bob, [ada.id]))["data"][0]["mutualConnectionsCount"] == 2


async def test_who_blocks_the_caller_is_not_found_and_blocks_hide_mutuals(
    project: ProjectFactory,
) -> None:
    ada, bob, cat, dan = [await project.user() for _ in range(4)]
    await connect(project, ada, cat)
    await connect(project, bob, cat)
    await connect(project, ada, dan)
    await connect(project, bob, dan)
    await block(project, bob, ada)
    # Bob blocks Ada: for Ada he does not exist, exactly like an unknown id.
    assert (await relationships(project, ada, [bob.id]))["data"] == [
        {"userId": bob.id, "found": False}
    ]
    assert (await relationships(project, bob, [ada.id]))["data"] == [
        related(ada, blocking=True, mutuals=2)
    ]
    # Cat blocks Ada: Cat is severed from Ada, so no longer a mutual connection with Bob.
    await block(project, cat, ada)
    assert (await relationships(project, bob, [ada.id]))["data"] == [
        related(ada, blocking=True, mutuals=1)
    ]


async def test_ids_forms_duplicates_and_case(project: ProjectFactory) -> None:
    ada, bob, cat = [await project.user() for _ in range(3)]
    response = await project.call(
        "GET",
        "/relationships",
        ada,
        params=[("ids", f"{bob.id}, {cat.id.upper()}"), ("ids", bob.id)],
    )
    assert_json(response, 200, {"data": [related(bob), related(cat)]})


async def test_malformed_ids(project: ProjectFactory) -> None:
    ada = await project.user()
    many = ",".join(str(uuid.uuid4()) for _ in range(101))
    exactly_100 = ",".join(str(uuid.uuid4()) for _ in range(100))
    for params in ({}, {"ids": ""}, {"ids": "nope"}, {"ids": f"{ada.id},"}, {"ids": many}):
        response = await project.call("GET", "/relationships", ada, params=params)
        assert_error(response, 400, "relationship/invalid-query")
    response = await project.call("GET", "/relationships", ada, params={"ids": exactly_100})
    assert response.status_code == 200
    assert len(response.json()["data"]) == 100
    assert_bare(await project.call("GET", "/relationships", params={"ids": ada.id}), 401)


async def test_service_key_acts_for_a_user(project: ProjectFactory) -> None:
    ada, bob = await project.user(), await project.user()
    await follow(project, bob, ada)
    response = await project.call(
        "GET",
        "/relationships",
        headers=project.service_auth,
        params={"ids": bob.id, "actingUserId": ada.id},
    )
    assert_json(response, 200, {"data": [related(bob, followed_by=True)]})
    response = await project.call(
        "GET", "/relationships", headers=project.service_auth, params={"ids": bob.id}
    )
    assert_error(response, 400, "auth/acting-user-required")


@contextmanager
def counted_statements(app: FastAPI) -> Iterator[list[str]]:
    database: Database = app.state.database
    statements: list[str] = []

    def remember(*args: Any) -> None:
        statements.append(args[2])

    engines = {database.write_engine.sync_engine, database.read_engine.sync_engine}
    for engine in engines:
        event.listen(engine, "before_cursor_execute", remember)
    try:
        yield statements
    finally:
        for engine in engines:
            event.remove(engine, "before_cursor_execute", remember)


async def test_a_constant_number_of_statements(project: ProjectFactory) -> None:
    caller = await project.user()
    others = [await project.user() for _ in range(100)]
    for index, other in enumerate(others[:30]):
        await connect(project, caller, other) if index % 3 == 0 else await follow(
            project, other, caller
        )
    counts = []
    for size in (1, 10, 100):
        ids = [other.id for other in others[:size]]
        with counted_statements(project.app) as statements:
            await relationships(project, caller, ids)
        counts.append(len(statements))
    assert counts[0] == counts[1] == counts[2], counts
    assert counts[0] <= 8, counts
