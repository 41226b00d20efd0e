"""Follows made through the API as a client would."""

from tests.factories import Member, ProjectFactory


async def follow(project: ProjectFactory, follower: Member, followed: Member) -> str:
    response = await project.call("POST", f"/users/{followed.id}/follow", follower, json={})
    assert response.status_code == 201, response.text
    follow_id: str = response.json()["id"]
    return follow_id
