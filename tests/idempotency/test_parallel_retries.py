"""§10.1 under races, through real parallel HTTP against a live server: twenty copies of one
keyed change make exactly one effect; every other copy replays its answer or is told the
first is still running (PostgreSQL), never a failure of its own."""

import asyncio
from collections import Counter

import httpx

from mutuals.kit.db.database import Database
from tests.connections.factories import request
from tests.factories import Member, ProjectFactory
from tests.invariants import assert_graph_sound, notification_counts

COPIES = 20


async def copies(
    live: httpx.AsyncClient, project: ProjectFactory, method: str, path: str, user: Member
) -> list[httpx.Response]:
    headers = {**user.auth, "Idempotency-Key": f"{method} {path}"}
    return await asyncio.gather(
        *(
            live.request(method, project.base + path, headers=headers, json={})
            for _ in range(COPIES)
        )
    )


def outcomes(responses: list[httpx.Response], success: int) -> Counter[str]:
    """'first' for the one that ran, 'replayed' or 'in-progress' for the others."""
    seen: Counter[str] = Counter()
    for response in responses:
        if response.status_code == 409 and response.json()["code"] == "idempotency/in-progress":
            seen["in-progress"] += 1
        elif response.status_code == success:
            replayed = response.headers.get("idempotent-replayed") == "true"
            seen["replayed" if replayed else "first"] += 1
        else:
            seen[f"{response.status_code} {response.text}"] += 1
    return seen


async def test_twenty_copies_of_a_follow_make_one(
    project: ProjectFactory, live: httpx.AsyncClient
) -> None:
    ada, bob = await project.user(), await project.user()
    responses = await copies(live, project, "POST", f"/users/{bob.id}/follow", ada)
    seen = outcomes(responses, 201)
    assert seen["first"] == 1, seen
    assert seen["replayed"] + seen["in-progress"] == COPIES - 1, seen
    bodies = {response.content for response in responses if response.status_code == 201}
    assert len(bodies) == 1
    followers = await project.call("GET", f"/users/{bob.id}/followers-count")
    assert followers.json() == {"count": 1}
    database: Database = project.app.state.database
    assert await notification_counts(database, project.id) == {"new-follow": 1}


async def test_twenty_copies_of_an_accept_and_a_disconnect(
    project: ProjectFactory, live: httpx.AsyncClient
) -> None:
    ada, bob = await project.user(), await project.user()
    connection_id = await request(project, ada, bob)
    responses = await copies(live, project, "PATCH", f"/connections/{connection_id}/accept", bob)
    seen = outcomes(responses, 200)
    assert seen["first"] == 1, seen
    assert seen["replayed"] + seen["in-progress"] == COPIES - 1, seen
    assert (await project.call("GET", "/connections/count", ada)).json() == {"count": 1}

    responses = await copies(live, project, "DELETE", f"/users/{bob.id}/connection", ada)
    seen = outcomes(responses, 200)
    assert seen["first"] == 1, seen
    assert seen["replayed"] + seen["in-progress"] == COPIES - 1, seen
    assert (await project.call("GET", "/connections/count", ada)).json() == {"count": 0}
    await assert_graph_sound(project)
