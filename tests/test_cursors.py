"""§10.2: every list also reads by cursor, by key not offset; cursors cannot be forged or
carried to another list; a walk visits every item once while others change the list."""

import asyncio
from typing import Any

import pytest
from hypothesis import strategies as st

from tests.assertions import assert_error
from tests.blocks.factories import block
from tests.connections.factories import connect, request
from tests.examples import Caller, run_examples
from tests.factories import Member, ProjectFactory
from tests.follows.factories import follow

SIZE = 5


async def graph(project: ProjectFactory) -> tuple[Member, Member, dict[str, str]]:
    """A hub with SIZE of everything, a friend sharing some of it, and each list's path
    and error area."""
    hub, friend = await project.user(), await project.user()
    others = [await project.user() for _ in range(SIZE * 4)]
    for index, other in enumerate(others[:SIZE]):
        await connect(project, hub, other)
        await follow(project, other, hub)
        await follow(project, hub, other)
        if index % 2:
            await connect(project, friend, other)
            await follow(project, other, friend)
    for other in others[SIZE : SIZE * 2]:
        await request(project, hub, other)
    for other in others[SIZE * 2 : SIZE * 3]:
        await request(project, other, hub)
    for other in others[SIZE * 3 :]:
        await block(project, hub, other)
    lists = {
        f"/users/{hub.id}/connections": "connection",
        "/connections": "connection",
        "/connections/pending/sent": "connection",
        "/connections/pending/received": "connection",
        f"/users/{hub.id}/followers": "follow",
        f"/users/{hub.id}/following": "follow",
        "/follows/followers": "follow",
        "/follows/following": "follow",
        "/blocks": "block",
        "/app-notifications": "app-notification",
        f"/users/{friend.id}/mutual-connections": "connection",
        f"/users/{friend.id}/known-followers": "connection",
    }
    return hub, friend, lists


def identity(item: dict[str, Any]) -> str:
    return str(item.get("id") or item.get("followId") or item["user"]["id"])


async def by_cursor(
    project: ProjectFactory, path: str, user: Member, limit: int, **params: Any
) -> list[str]:
    seen: list[str] = []
    cursor = ""
    while True:
        response = await project.call(
            "GET", path, user, params={"cursor": cursor, "limit": limit, **params}
        )
        assert response.status_code == 200, (path, response.text)
        body = response.json()
        pagination = body["pagination"]
        assert set(pagination) == {"pageSize", "nextCursor", "hasMore"}
        # The limit in force: notifications allow at most 50 a page, other lists 100.
        assert pagination["pageSize"] == min(limit, 50 if "notifications" in path else 100)
        assert pagination["hasMore"] == (pagination["nextCursor"] is not None)
        assert len(body["data"]) <= limit
        seen += [identity(item) for item in body["data"]]
        if not pagination["hasMore"]:
            return seen
        assert len(body["data"]) == pagination["pageSize"]
        cursor = pagination["nextCursor"]


async def test_every_list_walks_by_cursor_in_its_order(project: ProjectFactory) -> None:
    hub, _, lists = await graph(project)
    for path in lists:
        whole = await project.call("GET", path, hub, params={"limit": 100})
        assert whole.status_code == 200, (path, whole.text)
        expected = [identity(item) for item in whole.json()["data"]]
        assert expected, path
        for limit in (1, 2, len(expected), 100):
            assert await by_cursor(project, path, hub, limit) == expected, (path, limit)


async def test_searches_walk_by_cursor_too(project: ProjectFactory) -> None:
    hub = await project.user()
    for index in range(6):
        member = await project.user(name=f"{'Match' if index % 2 else 'Other'} {index}")
        await connect(project, hub, member)
        await follow(project, member, hub)
    for path in (f"/users/{hub.id}/connections", f"/users/{hub.id}/followers"):
        whole = await project.call("GET", path, params={"query": "match"})
        expected = [identity(item) for item in whole.json()["data"]]
        assert len(expected) == 3
        assert await by_cursor(project, path, hub, 2, query="match") == expected


async def test_cursor_errors(project: ProjectFactory) -> None:
    hub, friend, lists = await graph(project)
    cursors = {}
    for path in lists:
        response = await project.call("GET", path, hub, params={"cursor": "", "limit": 1})
        cursors[path] = response.json()["pagination"]["nextCursor"]
        assert cursors[path], path
    for path, area in lists.items():
        both = await project.call("GET", path, hub, params={"cursor": "", "page": 1})
        assert_error(both, 400, f"{area}/invalid-query")
        bad_limit = await project.call("GET", path, hub, params={"cursor": "", "limit": 0})
        assert_error(bad_limit, 400, f"{area}/invalid-query")
        cursor = cursors[path]
        tampered = cursor[:-2] + ("AA" if not cursor.endswith("AA") else "BB")
        for forged in (tampered, "garbage", "x" * 300, "%%%"):
            response = await project.call("GET", path, hub, params={"cursor": forged})
            assert_error(response, 400, f"{area}/invalid-cursor")
        for other_path in lists:
            if other_path != path and lists[other_path] == area:
                response = await project.call(
                    "GET", path, hub, params={"cursor": cursors[other_path]}
                )
                assert_error(response, 400, f"{area}/invalid-cursor")
    # Another user's list, or the same list with another search, is another list.
    connections = f"/users/{hub.id}/connections"
    elsewhere = await project.call(
        "GET", f"/users/{friend.id}/connections", params={"cursor": cursors[connections]}
    )
    assert_error(elsewhere, 400, "connection/invalid-cursor")
    searched = await project.call(
        "GET", connections, params={"cursor": cursors[connections], "query": "x"}
    )
    assert_error(searched, 400, "connection/invalid-cursor")
    # Anyone reading the same public list may go on from the same cursor.
    anonymous = await project.call("GET", connections, params={"cursor": cursors[connections]})
    assert anonymous.status_code == 200


async def test_the_callers_own_lists_bind_their_cursors_to_the_caller(
    project: ProjectFactory,
) -> None:
    hub, friend, lists = await graph(project)
    own = {path: area for path, area in lists.items() if not path.startswith("/users/")}
    assert len(own) == 7, own
    for path, area in own.items():
        first = await project.call("GET", path, hub, params={"cursor": "", "limit": 1})
        cursor = first.json()["pagination"]["nextCursor"]
        assert cursor, path
        taken = await project.call("GET", path, friend, params={"cursor": cursor})
        assert_error(taken, 400, f"{area}/invalid-cursor")
        # The owner goes on from it, with a token or through a service key acting for them.
        mine = await project.call("GET", path, hub, params={"cursor": cursor})
        assert mine.status_code == 200, (path, mine.text)
        acting = await project.call(
            "GET",
            path,
            headers=project.service_auth,
            params={"cursor": cursor, "actingUserId": hub.id},
        )
        assert acting.json() == mine.json(), path


async def test_a_walk_while_others_change_the_list(project: ProjectFactory) -> None:
    """Followers of a hub walked two at a time while other users follow and unfollow it
    between pages: no follower is seen twice, the walk stays newest first, and everyone
    who followed throughout is seen."""
    caller = Caller(project, asyncio.get_running_loop())

    def walk(steps: list[tuple[str, int]]) -> None:
        hub = caller.wait(project.user())
        fans = [caller.wait(project.user()) for _ in range(10)]
        following = set()
        for fan in fans:
            assert caller.send("POST", f"/users/{hub.id}/follow", fan, {}).status_code == 201
            following.add(fan.id)
        throughout = set(following)
        seen: list[str] = []
        times: list[str] = []
        cursor = ""
        pending = list(steps)
        path = f"/users/{hub.id}/followers"
        while True:
            response = caller.send("GET", f"{path}?limit=2&cursor={cursor}")
            assert response.status_code == 200, response.text
            body = response.json()
            seen += [item["user"]["id"] for item in body["data"]]
            times += [item["followedAt"] for item in body["data"]]
            if not body["pagination"]["hasMore"]:
                break
            cursor = body["pagination"]["nextCursor"]
            if pending:
                action, index = pending.pop(0)
                fan = fans[index % len(fans)]
                if action == "unfollow" and fan.id in following:
                    caller.send("DELETE", f"/users/{hub.id}/follow", fan)
                    following.discard(fan.id)
                    throughout.discard(fan.id)
                elif action == "follow" and fan.id not in following:
                    caller.send("POST", f"/users/{hub.id}/follow", fan, {})
                    following.add(fan.id)
                else:
                    newcomer = caller.wait(project.user())
                    caller.send("POST", f"/users/{hub.id}/follow", newcomer, {})
        assert len(seen) == len(set(seen)), seen
        assert times == sorted(times, reverse=True)
        assert throughout <= set(seen)

    actions = st.lists(
        st.tuples(st.sampled_from(["follow", "unfollow", "newcomer"]), st.integers(0, 9)),
        max_size=6,
    )
    await run_examples(walk, 15, steps=actions)


@pytest.mark.parametrize("limit", [1, 3])
async def test_deep_pages_read_by_key(project: ProjectFactory, limit: int) -> None:
    """The cursor's position is the last item's key, not a count: a page deep in the list
    is the same rows as the same page by number."""
    hub = await project.user()
    for _ in range(7):
        await follow(project, await project.user(), hub)
    walked = await by_cursor(project, f"/users/{hub.id}/followers", hub, limit)
    numbered: list[str] = []
    for page in range(1, 8):
        response = await project.call(
            "GET", f"/users/{hub.id}/followers", params={"page": page, "limit": limit}
        )
        numbered += [identity(item) for item in response.json()["data"]]
    assert walked == numbered
