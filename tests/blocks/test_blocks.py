"""§7.1 to 7.4: block, unblock, status and my blocks, a test per row; what a block severs."""

import uuid

from tests.assertions import ID, TIMESTAMP, assert_bare, assert_error, assert_json
from tests.blocks.factories import block
from tests.connections.factories import connect, decline, request, user_body
from tests.factories import Member, ProjectFactory
from tests.follows.factories import follow
from tests.invariants import assert_graph_sound


async def counts(project: ProjectFactory, user: Member) -> tuple[int, int, int]:
    result = []
    for path in ("connections-count", "followers-count", "following-count"):
        response = await project.call("GET", f"/users/{user.id}/{path}")
        result.append(response.json()["count"])
    return result[0], result[1], result[2]


async def test_block_answers_the_block_then_the_same_block(project: ProjectFactory) -> None:
    ada, bob = await project.user(), await project.user()
    first = await project.call("POST", f"/users/{bob.id}/block", ada, json={})
    expected = {"id": ID, "blockerId": ada.id, "blockedId": bob.id, "createdAt": TIMESTAMP}
    assert_json(first, 201, expected)
    again = await project.call("POST", f"/users/{bob.id}/block", ada, json={})
    assert_json(again, 200, first.json())


async def test_block_errors(project: ProjectFactory) -> None:
    ada = await project.user()
    assert_error(
        await project.call("POST", "/users/nope/block", ada, json={}), 400, "block/invalid-user-id"
    )
    assert_json(
        await project.call("POST", f"/users/{ada.id}/block", ada, json={}),
        400,
        {"error": "A user cannot block themselves.", "code": "block/self-block"},
    )
    assert_error(
        await project.call("POST", f"/users/{uuid.uuid4()}/block", ada, json={}),
        404,
        "block/user-not-found",
    )
    assert_bare(await project.call("POST", f"/users/{ada.id}/block", json={}), 401)


async def test_block_severs_everything_between_the_two_and_nothing_else(
    project: ProjectFactory,
) -> None:
    ada, bob, cat = await project.user(), await project.user(), await project.user()
    await connect(project, ada, bob)
    await follow(project, ada, bob)
    await follow(project, bob, ada)
    await connect(project, ada, cat)
    await follow(project, cat, bob)
    await follow(project, ada, cat)
    assert await counts(project, ada) == (2, 1, 2)
    assert await counts(project, bob) == (1, 2, 1)

    await block(project, bob, ada)
    assert await counts(project, ada) == (1, 0, 1)
    assert await counts(project, bob) == (0, 1, 0)
    assert await counts(project, cat) == (1, 1, 1)
    assert_json(
        await project.call("GET", f"/users/{bob.id}/connection", ada), 200, {"status": "none"}
    )
    assert_json(
        await project.call("GET", f"/users/{ada.id}/connection", bob), 200, {"status": "none"}
    )
    for a, b in ((ada, bob), (bob, ada)):
        status = await project.call("GET", f"/users/{b.id}/follow", a)
        assert_json(status, 200, {"isFollowing": False})
    await assert_graph_sound(project)


async def test_block_severs_pending_and_declined_records(project: ProjectFactory) -> None:
    ada, bob, cat = await project.user(), await project.user(), await project.user()
    await request(project, ada, bob)
    await decline(project, cat, bob)
    await block(project, bob, ada)
    await block(project, bob, cat)
    # The pending request's unread notification went with it; the declined one's stays.
    kinds = [
        n["metadata"]["initiatorId"]
        for n in (await project.call("GET", "/app-notifications", bob)).json()["data"]
    ]
    assert kinds == [cat.id]
    await project.call("DELETE", f"/users/{cat.id}/block", bob)
    # The declined record is gone too: cat may ask again once unblocked.
    await request(project, cat, bob)
    await assert_graph_sound(project)


async def test_no_request_follow_or_notification_either_way(project: ProjectFactory) -> None:
    ada, bob = await project.user(), await project.user()
    await block(project, ada, bob)
    for a, b in ((ada, bob), (bob, ada)):
        assert_error(
            await project.call("POST", f"/users/{b.id}/connection", a, json={}),
            404,
            "connection/user-not-found",
        )
        assert_error(
            await project.call("POST", f"/users/{b.id}/follow", a, json={}),
            404,
            "follow/user-not-found",
        )
    for user in (ada, bob):
        assert (await project.call("GET", "/app-notifications", user)).json()["data"] == []


async def test_unblock_restores_nothing_and_allows_again(project: ProjectFactory) -> None:
    ada, bob = await project.user(), await project.user()
    await connect(project, ada, bob)
    await follow(project, bob, ada)
    await block(project, ada, bob)
    for _ in range(2):  # 204 also when there is no block
        response = await project.call("DELETE", f"/users/{bob.id}/block", ada)
        assert response.status_code == 204
        assert response.content == b""
    assert await counts(project, ada) == (0, 0, 0)
    assert_json(await project.call("GET", f"/users/{bob.id}/block", ada), 200, {"blocked": False})
    await follow(project, bob, ada)
    await request(project, ada, bob)


async def test_unblock_errors_and_strangers(project: ProjectFactory) -> None:
    ada = await project.user()
    assert_error(
        await project.call("DELETE", "/users/nope/block", ada), 400, "block/invalid-user-id"
    )
    stranger = await project.call("DELETE", f"/users/{uuid.uuid4()}/block", ada)
    assert stranger.status_code == 204


async def test_block_status_is_only_my_own_block(project: ProjectFactory) -> None:
    ada, bob = await project.user(), await project.user()
    block_id = await block(project, ada, bob)
    assert_json(
        await project.call("GET", f"/users/{bob.id}/block", ada),
        200,
        {"blocked": True, "blockId": block_id, "createdAt": TIMESTAMP},
    )
    assert_json(await project.call("GET", f"/users/{ada.id}/block", bob), 200, {"blocked": False})
    assert_error(await project.call("GET", "/users/nope/block", ada), 400, "block/invalid-user-id")
    assert_error(await project.call("GET", f"/users/{ada.id}/block", ada), 400, "block/self-check")


async def test_my_blocks_newest_first(project: ProjectFactory) -> None:
    ada = await project.user()
    others = [await project.user() for _ in range(3)]
    ids = [await block(project, ada, other) for other in others]
    response = await project.call("GET", "/blocks?limit=2", ada)
    assert_json(
        response,
        200,
        {
            "data": [
                {
                    "id": ids[2],
                    "blockedUser": user_body(project, others[2]),
                    "createdAt": TIMESTAMP,
                },
                {
                    "id": ids[1],
                    "blockedUser": user_body(project, others[1]),
                    "createdAt": TIMESTAMP,
                },
            ],
            "pagination": {
                "page": 1,
                "pageSize": 2,
                "totalPages": 2,
                "totalItems": 3,
                "hasMore": True,
            },
        },
    )
    assert (await project.call("GET", "/blocks", others[0])).json()["data"] == []
    for query in ("page=0", "limit=abc"):
        assert_error(await project.call("GET", f"/blocks?{query}", ada), 400, "block/invalid-query")
    assert_bare(await project.call("GET", "/blocks"), 401)


async def test_service_key_blocks_for_a_user(project: ProjectFactory) -> None:
    ada, bob = await project.user(), await project.user()
    response = await project.call(
        "POST",
        f"/users/{bob.id}/block",
        headers=project.service_auth,
        json={"actingUserId": ada.id},
    )
    assert response.status_code == 201, response.text
    assert response.json()["blockerId"] == ada.id


async def test_blocking_back_is_a_block_of_its_own_until_both_are_lifted(
    project: ProjectFactory,
) -> None:
    ada, bob = await project.user(), await project.user()
    await block(project, ada, bob)
    back = await project.call("POST", f"/users/{ada.id}/block", bob, json={})
    expected = {"id": ID, "blockerId": bob.id, "blockedId": ada.id, "createdAt": TIMESTAMP}
    assert_json(back, 201, expected)
    again = await project.call("POST", f"/users/{ada.id}/block", bob, json={})
    assert_json(again, 200, back.json())
    assert_json(
        await project.call("GET", f"/users/{ada.id}/block", bob),
        200,
        {"blocked": True, "blockId": back.json()["id"], "createdAt": back.json()["createdAt"]},
    )
    mine = (await project.call("GET", "/blocks", bob)).json()["data"]
    assert [(item["id"], item["blockedUser"]["id"]) for item in mine] == [
        (back.json()["id"], ada.id)
    ]

    async def assert_cut_off() -> None:
        for a, b in ((ada, bob), (bob, ada)):
            for what, code in (("connection", "connection"), ("follow", "follow")):
                refused = await project.call("POST", f"/users/{b.id}/{what}", a, json={})
                assert_error(refused, 404, f"{code}/user-not-found")

    await assert_cut_off()
    # Ada lifts hers; Bob's still stands, so nothing links the two yet.
    await project.call("DELETE", f"/users/{bob.id}/block", ada)
    await assert_cut_off()
    assert (await project.call("GET", f"/users/{bob.id}", ada)).status_code == 404
    await project.call("DELETE", f"/users/{ada.id}/block", bob)
    await follow(project, ada, bob)
    await request(project, bob, ada)
    await assert_graph_sound(project)
