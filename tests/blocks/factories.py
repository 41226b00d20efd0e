"""Blocks made through the API as a client would."""

from tests.factories import Member, ProjectFactory


async def block(project: ProjectFactory, blocker: Member, blocked: Member) -> str:
    response = await project.call("POST", f"/users/{blocked.id}/block", blocker, json={})
    assert response.status_code == 201, response.text
    block_id: str = response.json()["id"]
    return block_id
