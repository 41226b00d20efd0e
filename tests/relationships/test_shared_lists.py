"""§8.2 and §8.3: mutual connections and known followers, from either side's size."""

import uuid

import pytest

from tests.assertions import assert_bare, assert_error, assert_json
from tests.blocks.factories import block
from tests.connections.factories import connect, request, user_body
from tests.factories import Member, ProjectFactory
from tests.follows.factories import follow

LISTS = ("mutual-connections", "known-followers")


def page_of(
    project: ProjectFactory,
    members: list[Member],
    page: int = 1,
    limit: int = 20,
    total: int | None = None,
) -> dict[str, object]:
    total = len(members) if total is None else total
    return {
        "data": [{"user": user_body(project, member)} for member in members],
        "pagination": {
            "page": page,
            "pageSize": limit,
            "totalPages": -(-total // limit),
            "totalItems": total,
            "hasMore": page * limit < total,
        },
    }


async def test_mutual_connections_in_the_callers_order(project: ProjectFactory) -> None:
    ada, bob = await project.user(), await project.user()
    shared = [await project.user() for _ in range(4)]
    only_bobs, only_adas, pending = [await project.user() for _ in range(3)]
    # Bob connects with the shared users in one order, Ada in the reverse one.
    for member in shared:
        await connect(project, member, bob)
    for member in reversed(shared):
        await connect(project, ada, member)
    await connect(project, bob, only_bobs)
    await connect(project, only_adas, ada)
    await connect(project, ada, bob)  # the two themselves are not each other's mutual
    await request(project, pending, ada)
    await connect(project, pending, bob)

    newest_for_ada = list(shared)  # Ada connected with shared[0] last
    response = await project.call("GET", f"/users/{bob.id}/mutual-connections", ada)
    assert_json(response, 200, page_of(project, newest_for_ada))
    response = await project.call(
        "GET", f"/users/{bob.id}/mutual-connections", ada, params={"page": 2, "limit": 3}
    )
    assert_json(response, 200, page_of(project, newest_for_ada[3:], page=2, limit=3, total=4))
    # From Bob's side: the same users in Bob's order.
    response = await project.call("GET", f"/users/{ada.id}/mutual-connections", bob)
    assert_json(response, 200, page_of(project, list(reversed(shared))))


async def test_a_hub_on_either_side_gives_the_same_answer(project: ProjectFactory) -> None:
    """Whichever side has fewer connections drives the query; the answer must not depend
    on which one that is."""
    ada, hub = await project.user(), await project.user()
    shared = [await project.user() for _ in range(3)]
    for member in shared:
        await connect(project, ada, member)
        await connect(project, hub, member)
    for _ in range(6):
        await connect(project, hub, await project.user())
    newest_first = list(reversed(shared))
    response = await project.call("GET", f"/users/{hub.id}/mutual-connections", ada)
    assert_json(response, 200, page_of(project, newest_first))
    response = await project.call("GET", f"/users/{ada.id}/mutual-connections", hub)
    assert_json(response, 200, page_of(project, newest_first))

    for member in shared:
        await follow(project, ada, member)
        await follow(project, member, hub)
    for _ in range(6):
        await follow(project, await project.user(), hub)
    response = await project.call("GET", f"/users/{hub.id}/known-followers", ada)
    assert_json(response, 200, page_of(project, newest_first))
    # And the other way round: Ada follows many, the hub has few followers.
    for _ in range(6):
        await follow(project, ada, await project.user())
    small = await project.user()
    await follow(project, shared[1], small)
    response = await project.call("GET", f"/users/{small.id}/known-followers", ada)
    assert_json(response, 200, page_of(project, [shared[1]]))


async def test_known_followers_newest_follow_of_the_user_first(project: ProjectFactory) -> None:
    ada, bob = await project.user(), await project.user()
    known = [await project.user() for _ in range(3)]
    stranger = await project.user()
    for member in known:
        await follow(project, ada, member)
    for member in reversed(known):
        await follow(project, member, bob)
    await follow(project, stranger, bob)
    await follow(project, bob, known[0])  # the other direction counts for nothing
    response = await project.call("GET", f"/users/{bob.id}/known-followers", ada)
    assert_json(response, 200, page_of(project, known))


async def test_blocks_leave_hidden_users_out(project: ProjectFactory) -> None:
    ada, bob, cat, dan = [await project.user() for _ in range(4)]
    for member in (cat, dan):
        await connect(project, ada, member)
        await connect(project, bob, member)
        await follow(project, ada, member)
        await follow(project, member, bob)
    await block(project, cat, ada)
    for name in LISTS:
        response = await project.call("GET", f"/users/{bob.id}/{name}", ada)
        assert_json(response, 200, page_of(project, [dan]))
    # Bob blocks Ada: Bob's lists do not exist for Ada.
    await block(project, bob, ada)
    for name in LISTS:
        response = await project.call("GET", f"/users/{bob.id}/{name}", ada)
        assert_error(response, 404, "connection/user-not-found")
        assert_error(
            await project.call("GET", f"/users/{uuid.uuid4()}/{name}", ada),
            404,
            "connection/user-not-found",
        )
    # Ada's still exist for Bob (Dan is still connected to both and followed by Ada).
    response = await project.call("GET", f"/users/{ada.id}/mutual-connections", bob)
    assert_json(response, 200, page_of(project, [dan]))


@pytest.mark.parametrize("name", LISTS)
async def test_errors(project: ProjectFactory, name: str) -> None:
    ada, bob = await project.user(), await project.user()
    assert_error(
        await project.call("GET", f"/users/nope/{name}", ada), 400, "connection/invalid-user-id"
    )
    assert_error(
        await project.call("GET", f"/users/{ada.id}/{name}", ada), 400, "connection/self-check"
    )
    assert_error(
        await project.call("GET", f"/users/{bob.id}/{name}", ada, params={"page": "0"}),
        400,
        "connection/invalid-query",
    )
    assert_bare(await project.call("GET", f"/users/{bob.id}/{name}"), 401)
    response = await project.call(
        "GET", f"/users/{bob.id}/{name}", ada, params={"page": 3, "limit": 500}
    )
    assert_json(response, 200, page_of(project, [], page=3, limit=100))
