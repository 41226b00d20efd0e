"""§6.5 to 6.7: followers and following, public and mine, with counts, search and pages."""

import uuid

import pytest

from tests.assertions import TIMESTAMP, assert_bare, assert_error, assert_json
from tests.connections.factories import user_body
from tests.factories import Member, ProjectFactory
from tests.follows.factories import follow

DIRECTIONS = ["followers", "following"]


async def star_graph(project: ProjectFactory, size: int) -> tuple[Member, list[Member], list[str]]:
    """`hub` followed by `size` fans and following each of them back, oldest first."""
    hub = await project.user()
    fans = [await project.user() for _ in range(size)]
    ids = []
    for fan in fans:
        ids.append(await follow(project, fan, hub))
        await follow(project, hub, fan)
    return hub, fans, ids


async def test_followers_newest_first_with_whole_items(project: ProjectFactory) -> None:
    hub, fans, follow_ids = await star_graph(project, 3)
    response = await project.call("GET", f"/users/{hub.id}/followers")
    assert_json(
        response,
        200,
        {
            "data": [
                {"followId": follow_id, "user": user_body(project, fan), "followedAt": TIMESTAMP}
                for fan, follow_id in reversed(list(zip(fans, follow_ids, strict=True)))
            ],
            "pagination": {
                "page": 1,
                "pageSize": 20,
                "totalPages": 1,
                "totalItems": 3,
                "hasMore": False,
            },
        },
    )


@pytest.mark.parametrize("direction", DIRECTIONS)
async def test_public_and_mine_agree(project: ProjectFactory, direction: str) -> None:
    hub, fans, _ = await star_graph(project, 4)
    public = await project.call("GET", f"/users/{hub.id}/{direction}?limit=3")
    mine = await project.call("GET", f"/follows/{direction}?limit=3", hub)
    assert public.status_code == mine.status_code == 200
    assert public.json() == mine.json()
    assert [item["user"]["id"] for item in public.json()["data"]] == [f.id for f in fans[::-1][:3]]
    assert public.json()["pagination"] == {
        "page": 1,
        "pageSize": 3,
        "totalPages": 2,
        "totalItems": 4,
        "hasMore": True,
    }
    second = await project.call("GET", f"/users/{hub.id}/{direction}?limit=3&page=2")
    assert [item["user"]["id"] for item in second.json()["data"]] == [fans[0].id]
    for path, caller in (
        (f"/users/{hub.id}/{direction}-count", None),
        (f"/follows/{direction}-count", hub),
    ):
        assert_json(await project.call("GET", path, caller), 200, {"count": 4})
    # A fan's side of the same edges.
    fan_path = f"/users/{fans[0].id}/{'following' if direction == 'followers' else 'followers'}"
    fan_view = await project.call("GET", fan_path)
    assert [item["user"]["id"] for item in fan_view.json()["data"]] == [hub.id]


@pytest.mark.parametrize("direction", DIRECTIONS)
async def test_search(project: ProjectFactory, direction: str) -> None:
    hub = await project.user()
    grace = await project.user(name="Grace Hopper")
    alan = await project.user(name="Alan Turing")
    for other in (grace, alan):
        if direction == "followers":
            await follow(project, other, hub)
        else:
            await follow(project, hub, other)
    found = await project.call("GET", f"/users/{hub.id}/{direction}?query=HOPP")
    assert [item["user"]["id"] for item in found.json()["data"]] == [grace.id]
    assert found.json()["pagination"]["totalItems"] == 1
    by_username = await project.call(
        "GET", f"/users/{hub.id}/{direction}?query={alan.username}&searchFields=username"
    )
    assert [item["user"]["id"] for item in by_username.json()["data"]] == [alan.id]
    by_name_only = await project.call(
        "GET", f"/users/{hub.id}/{direction}?query={alan.username}&searchFields=name"
    )
    assert by_name_only.json()["data"] == []
    literal = await project.call("GET", f"/follows/{direction}?query=%25", hub)
    assert literal.json()["pagination"]["totalItems"] == 0


@pytest.mark.parametrize("direction", DIRECTIONS)
async def test_list_errors(project: ProjectFactory, direction: str) -> None:
    ada = await project.user()
    assert_error(
        await project.call("GET", f"/users/nope/{direction}"), 400, "follow/invalid-user-id"
    )
    assert_error(
        await project.call("GET", f"/users/nope/{direction}-count"), 400, "follow/invalid-user-id"
    )
    for path in (f"/users/{uuid.uuid4()}/{direction}", f"/users/{uuid.uuid4()}/{direction}-count"):
        assert_error(await project.call("GET", path), 404, "follow/user-not-found")
    for query in ("page=0", "limit=x", "page=-1", "searchFields=email", "query=" + "x" * 101):
        assert_error(
            await project.call("GET", f"/users/{ada.id}/{direction}?{query}"),
            400,
            "follow/invalid-query",
        )
        assert_error(
            await project.call("GET", f"/follows/{direction}?{query}", ada),
            400,
            "follow/invalid-query",
        )
    for path in (f"/follows/{direction}", f"/follows/{direction}-count"):
        assert_bare(await project.call("GET", path), 401)


async def test_empty_and_clamped(project: ProjectFactory) -> None:
    ada = await project.user()
    response = await project.call("GET", f"/users/{ada.id}/followers?limit=1000")
    assert_json(
        response,
        200,
        {
            "data": [],
            "pagination": {
                "page": 1,
                "pageSize": 100,
                "totalPages": 0,
                "totalItems": 0,
                "hasMore": False,
            },
        },
    )
