"""§2.4-2.9: connection lists and counts, pending lists, search, order and pagination."""

import uuid

import pytest

from tests.assertions import TIMESTAMP, assert_bare, assert_error, assert_json
from tests.connections.factories import connect, decline, request, user_body
from tests.factories import ProjectFactory


def empty_page(limit: int = 20) -> dict[str, object]:
    return {
        "data": [],
        "pagination": {
            "page": 1,
            "pageSize": limit,
            "totalPages": 0,
            "totalItems": 0,
            "hasMore": False,
        },
    }


async def test_user_connections_public_item_shape(project: ProjectFactory) -> None:
    ada, bob = await project.user(), await project.user()
    connection_id = await connect(project, ada, bob)
    response = await project.call("GET", f"/users/{ada.id}/connections")
    assert_json(
        response,
        200,
        {
            "data": [
                {
                    "id": connection_id,
                    "connectedUser": user_body(project, bob),
                    "connectedAt": TIMESTAMP,
                    "requestedAt": TIMESTAMP,
                }
            ],
            "pagination": {
                "page": 1,
                "pageSize": 20,
                "totalPages": 1,
                "totalItems": 1,
                "hasMore": False,
            },
        },
    )
    count = await project.call("GET", f"/users/{bob.id}/connections-count")
    assert_json(count, 200, {"count": 1})


async def test_lists_hold_only_accepted_records(project: ProjectFactory) -> None:
    ada = await project.user()
    bob, cat, dan = await project.user(), await project.user(), await project.user()
    await request(project, ada, bob)
    await decline(project, ada, cat)
    await connect(project, dan, ada)
    mine = await project.call("GET", "/connections", ada)
    assert [item["connectedUser"]["id"] for item in mine.json()["data"]] == [dan.id]
    assert_json(await project.call("GET", "/connections/count", ada), 200, {"count": 1})


async def test_newest_connection_first_across_both_sides(project: ProjectFactory) -> None:
    hub = await project.user()
    others = [await project.user() for _ in range(5)]
    for index, other in enumerate(others):
        if index % 2:
            await connect(project, hub, other)
        else:
            await connect(project, other, hub)
    response = await project.call("GET", "/connections", hub)
    ids = [item["connectedUser"]["id"] for item in response.json()["data"]]
    assert ids == [other.id for other in reversed(others)]
    stamps = [item["connectedAt"] for item in response.json()["data"]]
    assert stamps == sorted(stamps, reverse=True)


async def test_pagination_walks_every_connection_once(project: ProjectFactory) -> None:
    hub = await project.user()
    others = [await project.user() for _ in range(7)]
    for index, other in enumerate(others):
        await (connect(project, hub, other) if index % 2 else connect(project, other, hub))
    seen: list[str] = []
    for page in (1, 2, 3):
        response = await project.call("GET", f"/users/{hub.id}/connections?page={page}&limit=3")
        body = response.json()
        assert body["pagination"] == {
            "page": page,
            "pageSize": 3,
            "totalPages": 3,
            "totalItems": 7,
            "hasMore": page < 3,
        }
        seen += [item["connectedUser"]["id"] for item in body["data"]]
    assert seen == [other.id for other in reversed(others)]
    beyond = await project.call("GET", f"/users/{hub.id}/connections?page=4&limit=3")
    assert beyond.json()["data"] == []
    assert beyond.json()["pagination"]["totalItems"] == 7


async def test_search_by_username_or_name(project: ProjectFactory) -> None:
    hub = await project.user()
    grace = await project.user(name="Grace Hopper")
    alan = await project.user(name="Alan Turing")
    await connect(project, hub, grace)
    await connect(project, alan, hub)

    async def found(query: str) -> list[str]:
        response = await project.call("GET", f"/connections?{query}", hub)
        assert response.status_code == 200, response.text
        assert response.json()["pagination"]["totalItems"] == len(response.json()["data"])
        return [item["connectedUser"]["id"] for item in response.json()["data"]]

    assert await found("query=HOPPER") == [grace.id]
    assert await found("query=turing&searchFields=name") == [alan.id]
    assert await found("query=turing&searchFields=username") == []
    assert await found(f"query={alan.username}&searchFields=username") == [alan.id]
    assert await found("query=user") == [alan.id, grace.id]
    assert await found("query=%25") == []  # a literal %, not a wildcard
    assert await found("query=") == [alan.id, grace.id]


@pytest.mark.parametrize(
    "query",
    ["page=0", "page=-1", "page=abc", "limit=0", "limit=1.5", "searchFields=email", "page="],
)
async def test_invalid_query(project: ProjectFactory, query: str) -> None:
    ada = await project.user()
    mine = await project.call("GET", f"/connections?{query}", ada)
    assert_error(mine, 400, "connection/invalid-query")
    public = await project.call("GET", f"/users/{ada.id}/connections?{query}")
    assert_error(public, 400, "connection/invalid-query")


async def test_limit_is_clamped_and_deep_pages_are_empty(project: ProjectFactory) -> None:
    ada = await project.user()
    response = await project.call("GET", "/connections?limit=1000000", ada)
    assert response.json()["pagination"]["pageSize"] == 100
    deep = await project.call("GET", f"/connections?page={10**25}", ada)
    assert deep.status_code == 200, deep.text
    assert deep.json()["data"] == []


async def test_public_list_errors(project: ProjectFactory) -> None:
    assert_error(
        await project.call("GET", "/users/nope/connections"), 400, "connection/invalid-user-id"
    )
    assert_error(
        await project.call("GET", f"/users/{uuid.uuid4()}/connections"),
        404,
        "connection/user-not-found",
    )
    assert_error(
        await project.call("GET", "/users/nope/connections-count"),
        400,
        "connection/invalid-user-id",
    )
    assert_error(
        await project.call("GET", f"/users/{uuid.uuid4()}/connections-count"),
        404,
        "connection/user-not-found",
    )


async def test_empty_lists(project: ProjectFactory) -> None:
    ada = await project.user()
    assert_json(await project.call("GET", "/connections", ada), 200, empty_page())
    assert_json(await project.call("GET", f"/users/{ada.id}/connections"), 200, empty_page())
    assert_json(await project.call("GET", "/connections/pending/sent", ada), 200, empty_page())
    assert_json(await project.call("GET", "/connections/pending/received", ada), 200, empty_page())
    assert_json(await project.call("GET", "/connections/count", ada), 200, {"count": 0})


async def test_pending_lists_item_shape_and_order(project: ProjectFactory) -> None:
    ada, bob, cat = await project.user(), await project.user(), await project.user()
    first = await request(project, ada, bob, message="hello bob")
    second = await request(project, ada, cat)
    sent = await project.call("GET", "/connections/pending/sent", ada)
    assert sent.json()["data"] == [
        {
            "id": second,
            "type": "sent",
            "user": user_body(project, cat),
            "message": None,
            "createdAt": TIMESTAMP,
        },
        {
            "id": first,
            "type": "sent",
            "user": user_body(project, bob),
            "message": "hello bob",
            "createdAt": TIMESTAMP,
        },
    ]
    received = await project.call("GET", "/connections/pending/received", bob)
    assert received.json()["data"] == [
        {
            "id": first,
            "type": "received",
            "user": user_body(project, ada),
            "message": "hello bob",
            "createdAt": TIMESTAMP,
        }
    ]
    assert received.json()["pagination"]["totalItems"] == 1
    paged = await project.call("GET", "/connections/pending/sent?limit=1&page=2", ada)
    assert [item["id"] for item in paged.json()["data"]] == [first]
    assert paged.json()["pagination"] == {
        "page": 2,
        "pageSize": 1,
        "totalPages": 2,
        "totalItems": 2,
        "hasMore": False,
    }


async def test_my_lists_need_a_credential(project: ProjectFactory) -> None:
    for path in (
        "/connections",
        "/connections/count",
        "/connections/pending/sent",
        "/connections/pending/received",
    ):
        assert_bare(await project.call("GET", path), 401)


async def test_public_endpoints_accept_a_valid_credential(project: ProjectFactory) -> None:
    ada = await project.user()
    response = await project.call("GET", f"/users/{ada.id}/connections-count", ada)
    assert_json(response, 200, {"count": 0})
    bad = await project.call(
        "GET", f"/users/{ada.id}/connections-count", headers={"Authorization": "Bearer junk"}
    )
    assert_bare(bad, 403)
