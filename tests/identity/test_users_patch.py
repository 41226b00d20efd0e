"""§3.6 PATCH /users/{userId}: self or service key, with the sign-up rules."""

import uuid

from tests.assertions import assert_bare, assert_error, assert_json
from tests.factories import ProjectFactory


async def test_user_updates_own_profile(project: ProjectFactory) -> None:
    ada = await project.user()
    response = await project.call(
        "PATCH",
        f"/users/{ada.id}",
        ada,
        json={"name": "Ada L.", "username": "ADA_L", "bio": "hi", "metadata": {"a": 1}},
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["name"], body["username"], body["bio"], body["metadata"]) == (
        "Ada L.",
        "ada_l",
        "hi",
        {"a": 1},
    )
    assert body["email"] == f"{ada.username}@example.com"
    public = await project.call("GET", f"/users/{ada.id}")
    assert public.json()["username"] == "ada_l"


async def test_service_key_updates_any_user(project: ProjectFactory) -> None:
    ada = await project.user()
    response = await project.call(
        "PATCH",
        f"/users/{ada.id}",
        headers=project.service_auth,
        json={"avatar": "https://x/a.png"},
    )
    assert response.status_code == 200, response.text
    assert response.json()["avatar"] == "https://x/a.png"


async def test_another_users_record_is_forbidden(project: ProjectFactory) -> None:
    ada, bob = await project.user(), await project.user()
    response = await project.call("PATCH", f"/users/{bob.id}", ada, json={"name": "pwned"})
    assert_error(response, 403, "user/unauthorized")
    assert (await project.call("GET", f"/users/{bob.id}")).json()["name"] == bob.name


async def test_patch_errors(project: ProjectFactory) -> None:
    ada, bob = await project.user(), await project.user()
    assert_bare(await project.call("PATCH", f"/users/{ada.id}", json={"name": "x"}), 401)
    assert_error(
        await project.call("PATCH", "/users/nope", ada, json={}), 400, "user/invalid-params"
    )
    assert_error(
        await project.call("PATCH", f"/users/{ada.id}", ada, json={"username": "a b"}),
        400,
        "user/invalid-params",
        field="username",
    )
    assert_error(
        await project.call("PATCH", f"/users/{ada.id}", ada, json={"bio": 5}),
        400,
        "user/invalid-params",
        field="bio",
    )
    assert_json(
        await project.call("PATCH", f"/users/{ada.id}", ada, json={"username": bob.username}),
        409,
        {"error": "Username already taken", "field": "username", "code": "DUPLICATE_USERNAME"},
    )
    assert_error(
        await project.call(
            "PATCH", f"/users/{uuid.uuid4()}", headers=project.service_auth, json={"name": "x"}
        ),
        404,
        "user/not-found",
    )


async def test_protected_fields_are_not_applied(project: ProjectFactory) -> None:
    ada = await project.user()
    response = await project.call(
        "PATCH",
        f"/users/{ada.id}",
        ada,
        json={"reputation": 99, "email": "evil@example.com", "projectId": str(uuid.uuid4())},
    )
    assert response.status_code == 200, response.text
    assert response.json()["reputation"] == 0
    assert response.json()["email"] == f"{ada.username}@example.com"
