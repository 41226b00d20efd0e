"""§6.1 follow and §6.2 follow status, a test per row, with whole bodies."""

import uuid
from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import FastAPI

from mutuals.app import create_app
from mutuals.config import Settings
from tests.assertions import ID, TIMESTAMP, assert_bare, assert_error, assert_json
from tests.factories import Member, ProjectFactory
from tests.follows.factories import follow


async def new_follows_of(project: ProjectFactory, user: Member) -> list[dict[str, object]]:
    response = await project.call("GET", "/app-notifications?limit=50", user)
    return [n for n in response.json()["data"] if n["type"] == "new-follow"]


async def test_follow_answers_the_follow(project: ProjectFactory) -> None:
    ada, bob = await project.user(), await project.user()
    response = await project.call("POST", f"/users/{bob.id}/follow", ada, json={})
    assert_json(
        response,
        201,
        {"id": ID, "followerId": ada.id, "followedId": bob.id, "createdAt": TIMESTAMP},
    )
    # One-way: bob does not follow ada, and nothing about connections changed.
    back = await project.call("GET", f"/users/{ada.id}/follow", bob)
    assert_json(back, 200, {"isFollowing": False})
    assert_json(
        await project.call("GET", f"/users/{bob.id}/connection", ada), 200, {"status": "none"}
    )


async def test_follow_notifies_the_followed_user_only(project: ProjectFactory) -> None:
    ada, bob = await project.user(), await project.user()
    await follow(project, ada, bob)
    assert await new_follows_of(project, bob) == [
        {
            "id": ID,
            "projectId": project.id,
            "userId": bob.id,
            "type": "new-follow",
            "action": "open-profile",
            "isRead": False,
            "metadata": {
                "initiatorId": ada.id,
                "initiatorName": ada.name,
                "initiatorUsername": ada.username,
                "initiatorAvatar": None,
            },
            "createdAt": TIMESTAMP,
            "updatedAt": TIMESTAMP,
        }
    ]
    assert await new_follows_of(project, ada) == []


async def test_follow_unfollow_loops_notify_once_a_window(project: ProjectFactory) -> None:
    ada, bob, cat = await project.user(), await project.user(), await project.user()
    for _ in range(3):
        await follow(project, ada, bob)
        response = await project.call("DELETE", f"/users/{bob.id}/follow", ada)
        assert response.status_code == 204
    await follow(project, cat, bob)  # another follower is another pair
    initiators = [n["metadata"]["initiatorId"] for n in await new_follows_of(project, bob)]
    assert sorted(initiators) == sorted([ada.id, cat.id])


@pytest.fixture
async def windowless_app(settings: Settings) -> AsyncIterator[FastAPI]:
    app = create_app(settings.model_copy(update={"follow_notification_window": 0}))
    async with app.router.lifespan_context(app):
        yield app


async def test_the_window_is_configurable(windowless_app: FastAPI) -> None:
    client = httpx.AsyncClient(
        transport=httpx.ASGITransport(app=windowless_app), base_url="http://w"
    )
    project = await ProjectFactory.create(windowless_app, client)
    ada, bob = await project.user(), await project.user()
    for _ in range(2):
        await follow(project, ada, bob)
        await project.call("DELETE", f"/users/{bob.id}/follow", ada)
    assert len(await new_follows_of(project, bob)) == 2


async def test_invalid_user_id(project: ProjectFactory) -> None:
    ada = await project.user()
    for bad in ("nope", "1234", str(uuid.uuid4())[:-1] + "z"):
        response = await project.call("POST", f"/users/{bad}/follow", ada, json={})
        assert_error(response, 400, "follow/invalid-user-id")


async def test_self_follow(project: ProjectFactory) -> None:
    ada = await project.user()
    response = await project.call("POST", f"/users/{ada.id}/follow", ada, json={})
    assert_json(
        response, 400, {"error": "A user cannot follow themselves.", "code": "follow/self-follow"}
    )


async def test_unknown_user(project: ProjectFactory) -> None:
    ada = await project.user()
    other = await ProjectFactory.create(project.app, project.client)
    stranger = await other.user()
    for target in (str(uuid.uuid4()), stranger.id):
        response = await project.call("POST", f"/users/{target}/follow", ada, json={})
        assert_json(
            response,
            404,
            {
                "error": "One or both users involved in the follow do not exist.",
                "code": "follow/user-not-found",
            },
        )


async def test_already_following(project: ProjectFactory) -> None:
    ada, bob = await project.user(), await project.user()
    await follow(project, ada, bob)
    response = await project.call("POST", f"/users/{bob.id}/follow", ada, json={})
    assert_json(
        response,
        409,
        {"error": "Follow relationship already exists.", "code": "follow/already-exists"},
    )
    assert_json(await project.call("GET", "/follows/following-count", ada), 200, {"count": 1})
    assert len(await new_follows_of(project, bob)) == 1


async def test_service_key_acts_for_a_user(project: ProjectFactory) -> None:
    ada, bob = await project.user(), await project.user()
    response = await project.call(
        "POST",
        f"/users/{bob.id}/follow",
        headers=project.service_auth,
        json={"actingUserId": ada.id},
    )
    assert response.status_code == 201, response.text
    assert response.json()["followerId"] == ada.id
    legacy = await project.call(
        "GET", f"/users/{bob.id}/follow?actingUserId={ada.id}", headers=project.service_auth
    )
    assert legacy.json()["isFollowing"] is True
    missing = await project.call(
        "POST", f"/users/{bob.id}/follow", headers=project.service_auth, json={}
    )
    assert_error(missing, 400, "auth/acting-user-required")


async def test_follow_needs_a_credential(project: ProjectFactory) -> None:
    bob = await project.user()
    assert_bare(await project.call("POST", f"/users/{bob.id}/follow", json={}), 401)
    assert_bare(await project.call("GET", f"/users/{bob.id}/follow"), 401)


async def test_status_both_ways(project: ProjectFactory) -> None:
    ada, bob = await project.user(), await project.user()
    follow_id = await follow(project, ada, bob)
    assert_json(
        await project.call("GET", f"/users/{bob.id}/follow", ada),
        200,
        {"isFollowing": True, "followId": follow_id, "followedAt": TIMESTAMP},
    )
    assert_json(
        await project.call("GET", f"/users/{ada.id}/follow", bob), 200, {"isFollowing": False}
    )
    unknown = await project.call("GET", f"/users/{uuid.uuid4()}/follow", ada)
    assert_json(unknown, 200, {"isFollowing": False})


async def test_status_errors(project: ProjectFactory) -> None:
    ada = await project.user()
    assert_error(
        await project.call("GET", "/users/nope/follow", ada), 400, "follow/invalid-user-id"
    )
    assert_error(
        await project.call("GET", f"/users/{ada.id}/follow", ada), 400, "follow/self-check"
    )
