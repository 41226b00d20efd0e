"""§2.1 Request a connection: every row of its table, the message rules, the side effect."""

import uuid

import pytest

from tests.assertions import ID, TIMESTAMP, assert_bare, assert_error, assert_json
from tests.connections.factories import connect, decline, request
from tests.factories import ProjectFactory


async def test_request_creates_a_pending_record(project: ProjectFactory) -> None:
    ada, bob = await project.user(), await project.user()
    response = await project.call(
        "POST", f"/users/{bob.id}/connection", ada, json={"message": "  Let's connect  "}
    )
    created = assert_json(response, 201, {"id": ID, "status": "pending", "createdAt": TIMESTAMP})
    pending = await project.call("GET", "/connections/pending/received", bob)
    assert pending.json()["data"][0]["id"] == created["id"]
    assert pending.json()["data"][0]["message"] == "Let's connect"


@pytest.mark.parametrize("body", [None, {}, {"message": None}, {"message": "   "}])
async def test_message_is_optional_and_blank_becomes_null(
    project: ProjectFactory, body: dict[str, object] | None
) -> None:
    ada, bob = await project.user(), await project.user()
    response = await project.call("POST", f"/users/{bob.id}/connection", ada, json=body)
    assert response.status_code == 201, response.text
    sent = await project.call("GET", "/connections/pending/sent", ada)
    assert sent.json()["data"][0]["message"] is None


async def test_message_of_500_characters_is_accepted(project: ProjectFactory) -> None:
    ada, bob = await project.user(), await project.user()
    response = await project.call(
        "POST", f"/users/{bob.id}/connection", ada, json={"message": "x" * 500}
    )
    assert response.status_code == 201, response.text


@pytest.mark.parametrize("message", ["x" * 501, 42, ["hi"], {"text": "hi"}, True])
async def test_invalid_message(project: ProjectFactory, message: object) -> None:
    ada, bob = await project.user(), await project.user()
    response = await project.call(
        "POST", f"/users/{bob.id}/connection", ada, json={"message": message}
    )
    assert_error(response, 400, "connection/invalid-message", field="message")


async def test_receiver_id_not_a_uuid(project: ProjectFactory) -> None:
    ada = await project.user()
    response = await project.call("POST", "/users/not-a-uuid/connection", ada, json={})
    assert_error(response, 400, "connection/invalid-receiver-id")


async def test_self_request(project: ProjectFactory) -> None:
    ada = await project.user()
    response = await project.call("POST", f"/users/{ada.id}/connection", ada, json={})
    assert_error(response, 400, "connection/self-request")


async def test_unknown_receiver(project: ProjectFactory) -> None:
    ada = await project.user()
    response = await project.call("POST", f"/users/{uuid.uuid4()}/connection", ada, json={})
    assert_error(response, 404, "connection/user-not-found")


@pytest.mark.parametrize("direction", ["same", "reverse"])
async def test_pending_record_either_direction(project: ProjectFactory, direction: str) -> None:
    ada, bob = await project.user(), await project.user()
    await request(project, ada, bob)
    requester, receiver = (ada, bob) if direction == "same" else (bob, ada)
    response = await project.call("POST", f"/users/{receiver.id}/connection", requester, json={})
    assert_error(response, 409, "connection/request-pending")


@pytest.mark.parametrize("direction", ["same", "reverse"])
async def test_already_connected(project: ProjectFactory, direction: str) -> None:
    ada, bob = await project.user(), await project.user()
    await connect(project, ada, bob)
    requester, receiver = (ada, bob) if direction == "same" else (bob, ada)
    response = await project.call("POST", f"/users/{receiver.id}/connection", requester, json={})
    assert_error(response, 409, "connection/already-connected")


async def test_declined_requester_may_not_ask_again(project: ProjectFactory) -> None:
    ada, bob = await project.user(), await project.user()
    await decline(project, ada, bob)
    response = await project.call("POST", f"/users/{bob.id}/connection", ada, json={})
    assert_error(response, 409, "connection/request-declined")


async def test_declining_receiver_may_ask_back_and_replaces_the_record(
    project: ProjectFactory,
) -> None:
    ada, bob = await project.user(), await project.user()
    declined_id = await decline(project, ada, bob)
    response = await project.call(
        "POST", f"/users/{ada.id}/connection", bob, json={"message": "changed my mind"}
    )
    created = assert_json(response, 201, {"id": ID, "status": "pending", "createdAt": TIMESTAMP})
    assert created["id"] != declined_id
    status = await project.call("GET", f"/users/{bob.id}/connection", ada)
    assert_json(
        status,
        200,
        {
            "status": "pending",
            "type": "received",
            "connectionId": created["id"],
            "createdAt": TIMESTAMP,
        },
    )
    old = await project.call("PATCH", f"/connections/{declined_id}/accept", bob)
    assert_error(old, 404, "connection/not-found")


async def test_request_needs_a_credential(project: ProjectFactory) -> None:
    bob = await project.user()
    response = await project.call("POST", f"/users/{bob.id}/connection", json={})
    assert_bare(response, 401)


async def test_extra_fields_are_not_applied(project: ProjectFactory) -> None:
    ada, bob, eve = await project.user(), await project.user(), await project.user()
    response = await project.call(
        "POST",
        f"/users/{bob.id}/connection",
        ada,
        json={"status": "accepted", "requesterId": eve.id, "receiverId": eve.id},
    )
    assert response.status_code == 201, response.text
    status = await project.call("GET", f"/users/{bob.id}/connection", ada)
    assert status.json()["status"] == "pending"
    assert status.json()["type"] == "sent"


async def test_non_object_body_is_rejected(project: ProjectFactory) -> None:
    ada, bob = await project.user(), await project.user()
    response = await project.call(
        "POST", f"/users/{bob.id}/connection", ada, json=["not", "an", "object"]
    )
    assert response.status_code == 400
    assert response.json()["code"] == "request/invalid-body"
