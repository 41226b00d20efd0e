"""Follow races through real parallel HTTP against a live server: one follow per ordered
pair, one winner per unfollow, never a 500, counters equal to the rows afterwards."""

import asyncio
from collections import Counter

import httpx

from mutuals.kit.db.database import Database
from tests.factories import ProjectFactory
from tests.follows.factories import follow
from tests.invariants import assert_graph_sound, notification_counts
from tests.live_server import call

SAME_FOLLOW = 20
PARALLEL = 50


async def test_the_same_follow_at_once(project: ProjectFactory, live: httpx.AsyncClient) -> None:
    ada, bob = await project.user(), await project.user()
    responses = await asyncio.gather(
        *(call(live, project, "POST", f"/users/{bob.id}/follow", ada) for _ in range(SAME_FOLLOW))
    )
    statuses = Counter(response.status_code for response in responses)
    assert statuses == {201: 1, 409: SAME_FOLLOW - 1}, statuses
    assert {r.json()["code"] for r in responses if r.status_code == 409} == {
        "follow/already-exists"
    }
    counts = await project.call("GET", f"/users/{bob.id}/followers-count")
    assert counts.json() == {"count": 1}
    await assert_graph_sound(project)
    database: Database = project.app.state.database
    assert await notification_counts(database, project.id) == {"new-follow": 1}


async def test_follow_races_unfollow(project: ProjectFactory, live: httpx.AsyncClient) -> None:
    ada, bob = await project.user(), await project.user()
    calls = [
        call(live, project, "POST" if index % 2 else "DELETE", f"/users/{bob.id}/follow", ada)
        for index in range(PARALLEL)
    ]
    responses = await asyncio.gather(*calls)
    statuses = Counter(response.status_code for response in responses)
    assert set(statuses) <= {201, 204, 404, 409}, statuses
    # Whatever the interleaving, it is some serial order: follows and unfollows alternate.
    assert statuses[201] - statuses[204] in (0, 1), statuses
    following = (await project.call("GET", f"/users/{bob.id}/follow", ada)).json()["isFollowing"]
    assert following == (statuses[201] - statuses[204] == 1)
    await assert_graph_sound(project)


async def test_unfollow_by_id_races_unfollow_by_user(
    project: ProjectFactory, live: httpx.AsyncClient
) -> None:
    for _ in range(5):
        ada, bob = await project.user(), await project.user()
        follow_id = await follow(project, ada, bob)
        calls = [
            call(
                live,
                project,
                "DELETE",
                f"/follows/{follow_id}" if index % 2 else f"/users/{bob.id}/follow",
                ada,
            )
            for index in range(PARALLEL // 5)
        ]
        statuses = Counter(r.status_code for r in await asyncio.gather(*calls))
        assert statuses == {204: 1, 404: PARALLEL // 5 - 1}, statuses
        await assert_graph_sound(project)


async def test_many_followers_at_once(project: ProjectFactory, live: httpx.AsyncClient) -> None:
    hub = await project.user()
    fans = [await project.user() for _ in range(PARALLEL)]
    responses = await asyncio.gather(
        *(call(live, project, "POST", f"/users/{hub.id}/follow", fan) for fan in fans),
        *(call(live, project, "POST", f"/users/{fan.id}/follow", hub) for fan in fans),
    )
    assert Counter(r.status_code for r in responses) == {201: 2 * PARALLEL}
    for path in (f"/users/{hub.id}/followers-count", f"/users/{hub.id}/following-count"):
        assert (await project.call("GET", path)).json() == {"count": PARALLEL}
    await assert_graph_sound(project)
