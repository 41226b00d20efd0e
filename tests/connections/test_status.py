"""§2.2 Connection status, from both sides, in every state."""

import uuid

from tests.assertions import TIMESTAMP, assert_bare, assert_error, assert_json
from tests.connections.factories import connect, decline, request
from tests.factories import ProjectFactory


async def test_none(project: ProjectFactory) -> None:
    ada, bob = await project.user(), await project.user()
    response = await project.call("GET", f"/users/{bob.id}/connection", ada)
    assert_json(response, 200, {"status": "none"})


async def test_none_for_an_unknown_user(project: ProjectFactory) -> None:
    ada = await project.user()
    response = await project.call("GET", f"/users/{uuid.uuid4()}/connection", ada)
    assert_json(response, 200, {"status": "none"})


async def test_pending_from_both_sides(project: ProjectFactory) -> None:
    ada, bob = await project.user(), await project.user()
    connection_id = await request(project, ada, bob)
    for caller, other, kind in ((ada, bob, "sent"), (bob, ada, "received")):
        response = await project.call("GET", f"/users/{other.id}/connection", caller)
        assert_json(
            response,
            200,
            {
                "status": "pending",
                "type": kind,
                "connectionId": connection_id,
                "createdAt": TIMESTAMP,
            },
        )


async def test_connected_from_both_sides(project: ProjectFactory) -> None:
    ada, bob = await project.user(), await project.user()
    connection_id = await connect(project, ada, bob)
    for caller, other in ((ada, bob), (bob, ada)):
        response = await project.call("GET", f"/users/{other.id}/connection", caller)
        assert_json(
            response,
            200,
            {
                "status": "connected",
                "connectionId": connection_id,
                "connectedAt": TIMESTAMP,
                "requestedAt": TIMESTAMP,
            },
        )


async def test_declined_from_both_sides(project: ProjectFactory) -> None:
    ada, bob = await project.user(), await project.user()
    connection_id = await decline(project, ada, bob)
    for caller, other, kind in ((ada, bob, "sent"), (bob, ada, "received")):
        response = await project.call("GET", f"/users/{other.id}/connection", caller)
        assert_json(
            response,
            200,
            {
                "status": "declined",
                "type": kind,
                "connectionId": connection_id,
                "respondedAt": TIMESTAMP,
            },
        )


async def test_invalid_user_id(project: ProjectFactory) -> None:
    ada = await project.user()
    response = await project.call("GET", "/users/123/connection", ada)
    assert_error(response, 400, "connection/invalid-user-id")


async def test_self_check(project: ProjectFactory) -> None:
    ada = await project.user()
    response = await project.call("GET", f"/users/{ada.id}/connection", ada)
    assert_error(response, 400, "connection/self-check")


async def test_status_needs_a_credential(project: ProjectFactory) -> None:
    bob = await project.user()
    response = await project.call("GET", f"/users/{bob.id}/connection")
    assert_bare(response, 401)
