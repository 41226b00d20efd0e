from tests.factories import ProjectFactory


async def test_request_accept_list_remove(project: ProjectFactory) -> None:
    ada, bob = await project.user(), await project.user()
    created = await project.call("POST", f"/users/{bob.id}/connection", ada, json={"message": " hi "})
    assert created.status_code == 201, created.text
    connection_id = created.json()["id"]
    accepted = await project.call("PATCH", f"/connections/{connection_id}/accept", bob)
    assert accepted.status_code == 200, accepted.text
    listed = await project.call("GET", "/connections", ada)
    assert listed.status_code == 200, listed.text
    assert listed.json()["pagination"]["totalItems"] == 1
    assert listed.json()["data"][0]["connectedUser"]["id"] == bob.id
    removed = await project.call("DELETE", f"/connections/{connection_id}", bob)
    assert removed.json() == {"message": "Connection removed successfully."}
