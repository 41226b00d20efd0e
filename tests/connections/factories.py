"""Connections in a given state, made through the API as a client would."""

from typing import Any

from tests.assertions import public_user_body
from tests.factories import Member, ProjectFactory


async def request(
    project: ProjectFactory, requester: Member, receiver: Member, message: str | None = None
) -> str:
    body = {} if message is None else {"message": message}
    response = await project.call("POST", f"/users/{receiver.id}/connection", requester, json=body)
    assert response.status_code == 201, response.text
    connection_id: str = response.json()["id"]
    return connection_id


async def connect(project: ProjectFactory, requester: Member, receiver: Member) -> str:
    connection_id = await request(project, requester, receiver)
    response = await project.call("PATCH", f"/connections/{connection_id}/accept", receiver)
    assert response.status_code == 200, response.text
    return connection_id


async def decline(project: ProjectFactory, requester: Member, receiver: Member) -> str:
    connection_id = await request(project, requester, receiver)
    response = await project.call("PATCH", f"/connections/{connection_id}/decline", receiver)
    assert response.status_code == 200, response.text
    return connection_id


def user_body(project: ProjectFactory, user: Member) -> dict[str, Any]:
    return public_user_body(user.id, project.id, user.username, user.name)
