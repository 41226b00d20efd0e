"""§12.1-12.3: a user by the app's own id (created on demand with the service key), by
handle, and whether a handle is free."""

import asyncio
import json
from collections import Counter
from urllib.parse import quote

import httpx

from tests.assertions import ID, TIMESTAMP, assert_error, assert_json
from tests.blocks.factories import block
from tests.connections.factories import user_body
from tests.factories import ProjectFactory
from tests.invariants import assert_graph_sound


async def _with_foreign_id(project: ProjectFactory, foreign_id: str, **profile: str) -> dict:
    response = await project.call(
        "GET",
        "/users/by-foreign-id",
        params={"foreignId": foreign_id, "createIfNotFound": "true", **profile},
        headers=project.service_auth,
    )
    assert response.status_code == 201, response.text
    body: dict = response.json()
    return body


async def test_by_foreign_id_is_public_and_hides_account_fields(project: ProjectFactory) -> None:
    created = await _with_foreign_id(project, "u42", name="Ada Lovelace", username="ada")
    assert created == {
        "id": ID,
        "foreignId": "u42",
        "projectId": project.id,
        "name": "Ada Lovelace",
        "username": "ada",
        "avatar": None,
        "bio": None,
        "metadata": {},
        "reputation": 0,
        "createdAt": TIMESTAMP,
        "email": None,
        "isVerified": False,
        "isActive": True,
        "lastActive": None,
        "authMethods": [],
    }
    public = {key: created[key] for key in list(created)[:10]}
    anonymous = await project.call("GET", "/users/by-foreign-id", params={"foreignId": "u42"})
    assert_json(anonymous, 200, public)
    # The service key sees the account fields; so would the user themself.
    by_key = await project.call(
        "GET", "/users/by-foreign-id?foreignId=u42", headers=project.service_auth
    )
    assert_json(by_key, 200, created)


async def test_by_foreign_id_unknown_and_invalid(project: ProjectFactory) -> None:
    unknown = await project.call("GET", "/users/by-foreign-id?foreignId=nobody")
    assert_error(unknown, 404, "user/not-found")
    for query in ("", "?foreignId=", "?foreignId=%20", "?foreignId=" + "x" * 256):
        response = await project.call("GET", "/users/by-foreign-id" + query)
        assert_error(response, 400, "user/invalid-params", field="foreignId")
    odd = await project.call(
        "GET", "/users/by-foreign-id?foreignId=a&createIfNotFound=yes", headers=project.service_auth
    )
    assert_error(odd, 400, "user/invalid-params", field="createIfNotFound")


async def test_create_if_not_found_needs_the_service_key(project: ProjectFactory) -> None:
    ada = await project.user()
    for who in ({}, ada.auth):
        response = await project.call(
            "GET",
            "/users/by-foreign-id?foreignId=u7&createIfNotFound=true",
            headers=who,
        )
        assert_error(response, 403, "user/unauthorized")
    assert_error(
        await project.call("GET", "/users/by-foreign-id?foreignId=u7"), 404, "user/not-found"
    )


async def test_create_if_not_found_answers_the_existing_user(project: ProjectFactory) -> None:
    created = await _with_foreign_id(project, "u9", username="nine")
    again = await project.call(
        "GET",
        "/users/by-foreign-id",
        params={"foreignId": "u9", "createIfNotFound": "true", "username": "other"},
        headers=project.service_auth,
    )
    assert_json(again, 200, created)


async def test_create_with_a_profile_and_metadata(project: ProjectFactory) -> None:
    metadata = {"plan": "pro", "tags": ["a", "b"]}
    created = await _with_foreign_id(
        project,
        "u10",
        name="Grace Hopper",
        username="Grace",
        bio="Admiral",
        avatar="https://example.com/g.png",
        metadata=json.dumps(metadata),
    )
    assert (created["username"], created["bio"], created["metadata"]) == (
        "grace",
        "Admiral",
        metadata,
    )
    assert created["avatar"] == "https://example.com/g.png"
    events = await project.call("GET", f"/users/{created['id']}")
    assert events.json()["name"] == "Grace Hopper"


async def test_create_refuses_a_bad_profile(project: ProjectFactory) -> None:
    cases = [
        ({"metadata": "{not json"}, "metadata"),
        ({"metadata": quote("[1, 2]")}, "metadata"),
        ({"username": "no spaces"}, "username"),
        ({"bio": "x" * 301}, "bio"),
    ]
    for profile, field in cases:
        response = await project.call(
            "GET",
            "/users/by-foreign-id",
            params={"foreignId": "u11", "createIfNotFound": "true", **profile},
            headers=project.service_auth,
        )
        assert_error(response, 400, "user/invalid-params", field=field)
    assert_error(
        await project.call("GET", "/users/by-foreign-id?foreignId=u11"), 404, "user/not-found"
    )


async def test_create_with_a_taken_username(project: ProjectFactory) -> None:
    ada = await project.user(username="ada")
    response = await project.call(
        "GET",
        "/users/by-foreign-id",
        params={"foreignId": "u12", "createIfNotFound": "true", "username": ada.username},
        headers=project.service_auth,
    )
    assert_error(response, 409, "DUPLICATE_USERNAME", field="username")


async def test_concurrent_creations_of_one_foreign_id_make_one_user(
    project: ProjectFactory, live: httpx.AsyncClient
) -> None:
    path = "/users/by-foreign-id?foreignId=raced&createIfNotFound=true&username=raced"
    responses = await asyncio.gather(
        *(live.get(project.base + path, headers=project.service_auth) for _ in range(20))
    )
    assert Counter(response.status_code for response in responses) == {201: 1, 200: 19}, [
        response.text for response in responses if response.status_code not in (200, 201)
    ]
    assert len({response.json()["id"] for response in responses}) == 1
    await assert_graph_sound(project)


async def test_a_user_who_blocks_the_caller_is_not_found(project: ProjectFactory) -> None:
    ada, bob = await project.user(), await project.user()
    created = await _with_foreign_id(project, "u13", username="carol")
    carol_id = created["id"]
    await block_by_id(project, carol_id, ada.id)
    hidden = await project.call("GET", "/users/by-foreign-id?foreignId=u13", ada)
    assert_error(hidden, 404, "user/not-found")
    assert_error(
        await project.call("GET", "/users/by-username?username=carol", ada), 404, "user/not-found"
    )
    seen = await project.call("GET", "/users/by-foreign-id?foreignId=u13", bob)
    assert seen.status_code == 200
    # Blocking someone does not hide them from the blocker (they can still find to unblock).
    await block(project, ada, bob)
    assert (
        await project.call("GET", f"/users/by-username?username={bob.username}", ada)
    ).status_code == 200


async def block_by_id(project: ProjectFactory, blocker_id: str, blocked_id: str) -> None:
    response = await project.call(
        "POST",
        f"/users/{blocked_id}/block",
        headers=project.service_auth,
        json={"actingUserId": blocker_id},
    )
    assert response.status_code == 201, response.text


async def test_by_username_any_case_and_a_leading_at(project: ProjectFactory) -> None:
    ada = await project.user(username="ada.l")
    for spelled in ("ada.l", "ADA.L", "@Ada.L", " @ada.l "):
        response = await project.call("GET", "/users/by-username", params={"username": spelled})
        assert_json(response, 200, user_body(project, ada))
    assert_error(
        await project.call("GET", "/users/by-username?username=nobody"), 404, "user/not-found"
    )
    for bad in ("", "?username=", "?username=@"):
        response = await project.call("GET", "/users/by-username" + bad)
        assert_error(response, 400, "user/invalid-params", field="username")


async def test_check_username(project: ProjectFactory) -> None:
    await project.user(username="taken")
    for username, available in (("taken", False), ("TAKEN", False), ("free_one", True)):
        response = await project.call("GET", "/users/check-username", params={"username": username})
        assert_json(response, 200, {"available": available})
    for bad in ("ab", "x" * 31, "no spaces", "@taken", "émile"):
        response = await project.call("GET", "/users/check-username", params={"username": bad})
        assert_error(response, 400, "user/invalid-username", field="username")
    assert_error(
        await project.call("GET", "/users/check-username"),
        400,
        "user/invalid-username",
        field="username",
    )


async def test_a_renamed_user_frees_the_old_username(project: ProjectFactory) -> None:
    ada = await project.user(username="old_name")
    renamed = await project.call("PATCH", f"/users/{ada.id}", ada, json={"username": "new_name"})
    assert renamed.status_code == 200, renamed.text
    for username, available in (("old_name", True), ("new_name", False)):
        response = await project.call("GET", f"/users/check-username?username={username}")
        assert_json(response, 200, {"available": available})
    by_new = await project.call("GET", "/users/by-username?username=new_name")
    assert by_new.json()["id"] == ada.id
