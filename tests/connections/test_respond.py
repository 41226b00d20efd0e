"""§2.10 Accept and §2.11 Decline: every row, and who gets notified."""

import uuid

import pytest

from tests.assertions import TIMESTAMP, assert_error, assert_json
from tests.connections.factories import connect, decline, request
from tests.factories import ProjectFactory


@pytest.mark.parametrize("decision", ["accept", "decline"])
async def test_receiver_responds(project: ProjectFactory, decision: str) -> None:
    ada, bob = await project.user(), await project.user()
    connection_id = await request(project, ada, bob)
    response = await project.call("PATCH", f"/connections/{connection_id}/{decision}", bob)
    status = "accepted" if decision == "accept" else "declined"
    assert_json(response, 200, {"id": connection_id, "status": status, "respondedAt": TIMESTAMP})


@pytest.mark.parametrize("decision", ["accept", "decline"])
async def test_invalid_connection_id(project: ProjectFactory, decision: str) -> None:
    bob = await project.user()
    response = await project.call("PATCH", f"/connections/nope/{decision}", bob)
    assert_error(response, 400, "connection/invalid-connection-id")


@pytest.mark.parametrize("decision", ["accept", "decline"])
async def test_unknown_connection(project: ProjectFactory, decision: str) -> None:
    bob = await project.user()
    response = await project.call("PATCH", f"/connections/{uuid.uuid4()}/{decision}", bob)
    assert_error(response, 404, "connection/not-found")


@pytest.mark.parametrize("decision", ["accept", "decline"])
@pytest.mark.parametrize("state", ["accepted", "declined"])
async def test_record_no_longer_pending(project: ProjectFactory, decision: str, state: str) -> None:
    ada, bob = await project.user(), await project.user()
    if state == "accepted":
        connection_id = await connect(project, ada, bob)
    else:
        connection_id = await decline(project, ada, bob)
    response = await project.call("PATCH", f"/connections/{connection_id}/{decision}", bob)
    assert_error(response, 404, "connection/not-found")


@pytest.mark.parametrize("decision", ["accept", "decline"])
@pytest.mark.parametrize("who", ["requester", "stranger"])
async def test_caller_is_not_the_receiver(project: ProjectFactory, decision: str, who: str) -> None:
    ada, bob, eve = await project.user(), await project.user(), await project.user()
    connection_id = await request(project, ada, bob)
    caller = ada if who == "requester" else eve
    response = await project.call("PATCH", f"/connections/{connection_id}/{decision}", caller)
    assert_error(response, 403, "connection/unauthorized")
    status = await project.call("GET", f"/users/{bob.id}/connection", ada)
    assert status.json()["status"] == "pending"


async def test_record_of_another_project_is_not_found(
    project: ProjectFactory, app: object, client: object
) -> None:
    other = await ProjectFactory.create(project.app, project.client)
    ada, bob = await other.user(), await other.user()
    connection_id = await request(other, ada, bob)
    mallory = await project.user()
    response = await project.call("PATCH", f"/connections/{connection_id}/accept", mallory)
    assert_error(response, 404, "connection/not-found")
    status = await other.call("GET", f"/users/{bob.id}/connection", ada)
    assert status.json()["status"] == "pending"
