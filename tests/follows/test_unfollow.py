"""§6.3 and §6.4: unfollow by user and by id, a test per row."""

import uuid

from tests.assertions import assert_error, assert_json
from tests.factories import ProjectFactory
from tests.follows.factories import follow

NOT_FOUND = {"error": "Follow relationship does not exist.", "code": "follow/not-found"}


async def test_unfollow_by_user(project: ProjectFactory) -> None:
    ada, bob = await project.user(), await project.user()
    await follow(project, ada, bob)
    response = await project.call("DELETE", f"/users/{bob.id}/follow", ada)
    assert response.status_code == 204
    assert response.content == b""
    assert_json(
        await project.call("GET", f"/users/{bob.id}/follow", ada), 200, {"isFollowing": False}
    )
    assert_json(await project.call("GET", f"/users/{bob.id}/followers-count"), 200, {"count": 0})
    assert_json(await project.call("GET", "/follows/following-count", ada), 200, {"count": 0})
    await follow(project, ada, bob)  # following again is possible


async def test_unfollow_by_user_errors(project: ProjectFactory) -> None:
    ada, bob = await project.user(), await project.user()
    assert_error(
        await project.call("DELETE", "/users/nope/follow", ada), 400, "follow/invalid-user-id"
    )
    for target in (bob.id, str(uuid.uuid4()), ada.id):
        assert_json(await project.call("DELETE", f"/users/{target}/follow", ada), 404, NOT_FOUND)
    await follow(project, bob, ada)  # the other direction is not mine to remove
    assert_json(await project.call("DELETE", f"/users/{bob.id}/follow", ada), 404, NOT_FOUND)


async def test_unfollow_by_id(project: ProjectFactory) -> None:
    ada, bob = await project.user(), await project.user()
    follow_id = await follow(project, ada, bob)
    response = await project.call("DELETE", f"/follows/{follow_id}", ada)
    assert response.status_code == 204
    assert response.content == b""
    assert_json(await project.call("GET", f"/users/{bob.id}/followers-count"), 200, {"count": 0})
    assert_json(await project.call("DELETE", f"/follows/{follow_id}", ada), 404, NOT_FOUND)


async def test_unfollow_by_id_only_by_the_follower(project: ProjectFactory) -> None:
    ada, bob, cat = await project.user(), await project.user(), await project.user()
    follow_id = await follow(project, ada, bob)
    for other in (bob, cat):
        assert_json(
            await project.call("DELETE", f"/follows/{follow_id}", other),
            403,
            {
                "error": "You do not have permission to delete this follow relationship.",
                "code": "follow/forbidden",
            },
        )
    assert_json(await project.call("GET", f"/users/{bob.id}/followers-count"), 200, {"count": 1})


async def test_unfollow_by_id_errors(project: ProjectFactory) -> None:
    ada = await project.user()
    assert_error(
        await project.call("DELETE", "/follows/nope", ada), 400, "follow/invalid-follow-id"
    )
    assert_json(await project.call("DELETE", f"/follows/{uuid.uuid4()}", ada), 404, NOT_FOUND)
    other = await ProjectFactory.create(project.app, project.client)
    mallory, eve = await other.user(), await other.user()
    foreign = await follow(other, mallory, eve)
    assert_json(await project.call("DELETE", f"/follows/{foreign}", ada), 404, NOT_FOUND)
    assert_json(await other.call("GET", f"/users/{eve.id}/followers-count"), 200, {"count": 1})
