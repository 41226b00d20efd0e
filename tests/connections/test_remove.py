"""§2.3 Remove by user and §2.12 Remove by id (the seed page): every row."""

import uuid

import pytest

from tests.assertions import TIMESTAMP, assert_bare, assert_error, assert_json
from tests.connections.factories import connect, decline, request
from tests.factories import ProjectFactory

WITHDRAWN = "Connection request withdrawn successfully."
REMOVED = "Connection removed successfully."


# §2.3 DELETE /users/{userId}/connection


async def test_by_user_requester_withdraws(project: ProjectFactory) -> None:
    ada, bob = await project.user(), await project.user()
    await request(project, ada, bob)
    response = await project.call("DELETE", f"/users/{bob.id}/connection", ada)
    assert_json(response, 200, {"message": WITHDRAWN, "action": "withdraw"})
    status = await project.call("GET", f"/users/{bob.id}/connection", ada)
    assert_json(status, 200, {"status": "none"})
    await request(project, ada, bob)  # a fresh request is possible afterwards


async def test_by_user_receiver_declines(project: ProjectFactory) -> None:
    ada, bob = await project.user(), await project.user()
    connection_id = await request(project, ada, bob)
    response = await project.call("DELETE", f"/users/{ada.id}/connection", bob)
    assert_json(
        response,
        200,
        {
            "id": connection_id,
            "status": "declined",
            "respondedAt": TIMESTAMP,
            "action": "decline",
        },
    )
    status = await project.call("GET", f"/users/{bob.id}/connection", ada)
    assert status.json()["status"] == "declined"


@pytest.mark.parametrize("who", ["requester", "receiver"])
async def test_by_user_either_party_disconnects(project: ProjectFactory, who: str) -> None:
    ada, bob = await project.user(), await project.user()
    await connect(project, ada, bob)
    caller, other = (ada, bob) if who == "requester" else (bob, ada)
    response = await project.call("DELETE", f"/users/{other.id}/connection", caller)
    assert_json(response, 200, {"message": REMOVED, "action": "disconnect"})
    for user in (ada, bob):
        count = await project.call("GET", "/connections/count", user)
        assert_json(count, 200, {"count": 0})


async def test_by_user_nothing_to_remove(project: ProjectFactory) -> None:
    ada, bob = await project.user(), await project.user()
    response = await project.call("DELETE", f"/users/{bob.id}/connection", ada)
    assert_error(response, 404, "connection/not-found")


@pytest.mark.parametrize("who", ["requester", "receiver"])
async def test_by_user_declined_record_is_left_alone(project: ProjectFactory, who: str) -> None:
    ada, bob = await project.user(), await project.user()
    await decline(project, ada, bob)
    caller, other = (ada, bob) if who == "requester" else (bob, ada)
    response = await project.call("DELETE", f"/users/{other.id}/connection", caller)
    assert_error(response, 404, "connection/not-found")
    status = await project.call("GET", f"/users/{bob.id}/connection", ada)
    assert status.json()["status"] == "declined"


async def test_by_user_invalid_id(project: ProjectFactory) -> None:
    ada = await project.user()
    response = await project.call("DELETE", "/users/xyz/connection", ada)
    assert_error(response, 400, "connection/invalid-user-id")


async def test_by_user_self(project: ProjectFactory) -> None:
    ada = await project.user()
    response = await project.call("DELETE", f"/users/{ada.id}/connection", ada)
    assert_error(response, 400, "connection/self-disconnect")


# §2.12 DELETE /connections/{connectionId}


async def test_by_id_requester_withdraws(project: ProjectFactory) -> None:
    ada, bob = await project.user(), await project.user()
    connection_id = await request(project, ada, bob)
    response = await project.call("DELETE", f"/connections/{connection_id}", ada)
    assert_json(response, 200, {"message": WITHDRAWN})
    pending = await project.call("GET", "/connections/pending/received", bob)
    assert pending.json()["data"] == []


@pytest.mark.parametrize("who", ["requester", "receiver"])
async def test_by_id_either_party_disconnects(project: ProjectFactory, who: str) -> None:
    ada, bob = await project.user(), await project.user()
    connection_id = await connect(project, ada, bob)
    caller = ada if who == "requester" else bob
    response = await project.call("DELETE", f"/connections/{connection_id}", caller)
    assert_json(response, 200, {"message": REMOVED})
    listed = await project.call("GET", f"/users/{ada.id}/connections")
    assert listed.json()["data"] == []
    await request(project, bob, ada)  # a fresh request is possible afterwards


async def test_by_id_receiver_of_pending_must_decline_instead(project: ProjectFactory) -> None:
    ada, bob = await project.user(), await project.user()
    connection_id = await request(project, ada, bob)
    response = await project.call("DELETE", f"/connections/{connection_id}", bob)
    assert_error(response, 403, "connection/unauthorized")
    status = await project.call("GET", f"/users/{bob.id}/connection", ada)
    assert status.json()["status"] == "pending"


@pytest.mark.parametrize("state", ["pending", "accepted"])
async def test_by_id_stranger_is_refused(project: ProjectFactory, state: str) -> None:
    ada, bob, eve = await project.user(), await project.user(), await project.user()
    if state == "pending":
        connection_id = await request(project, ada, bob)
    else:
        connection_id = await connect(project, ada, bob)
    response = await project.call("DELETE", f"/connections/{connection_id}", eve)
    assert_error(response, 403, "connection/unauthorized")
    status = await project.call("GET", f"/users/{bob.id}/connection", ada)
    assert status.json()["status"] == ("pending" if state == "pending" else "connected")


async def test_by_id_invalid_id(project: ProjectFactory) -> None:
    ada = await project.user()
    response = await project.call("DELETE", "/connections/12345", ada)
    assert_error(response, 400, "connection/invalid-connection-id")


async def test_by_id_unknown(project: ProjectFactory) -> None:
    ada = await project.user()
    response = await project.call("DELETE", f"/connections/{uuid.uuid4()}", ada)
    assert_error(response, 404, "connection/not-found")


@pytest.mark.parametrize("who", ["requester", "receiver"])
async def test_by_id_declined_is_not_found(project: ProjectFactory, who: str) -> None:
    ada, bob = await project.user(), await project.user()
    connection_id = await decline(project, ada, bob)
    response = await project.call(
        "DELETE", f"/connections/{connection_id}", ada if who == "requester" else bob
    )
    assert_error(response, 404, "connection/not-found")


async def test_by_id_needs_a_credential(project: ProjectFactory) -> None:
    ada, bob = await project.user(), await project.user()
    connection_id = await connect(project, ada, bob)
    response = await project.call("DELETE", f"/connections/{connection_id}")
    assert_bare(response, 401)
