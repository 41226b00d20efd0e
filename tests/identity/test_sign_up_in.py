"""§3.1 sign-up and §3.2 sign-in: validation, duplicates, the three sign-in errors."""

import logging
import uuid

import pytest

from mutuals.kit.db.database import Database
from tests import log_scan
from tests.assertions import ID, TIMESTAMP, assert_error, assert_json
from tests.factories import ProjectFactory

PASSWORD = "correct horse battery"


async def sign_up(project: ProjectFactory, **body: object) -> dict[str, object]:
    response = await project.call(
        "POST", "/auth/sign-up", json={"email": "ada@example.com", "password": PASSWORD, **body}
    )
    assert response.status_code == 201, response.text
    result: dict[str, object] = response.json()
    log_scan.remember(PASSWORD, str(result["accessToken"]), str(result["refreshToken"]))
    return result


async def test_sign_up_answers_a_session(project: ProjectFactory) -> None:
    response = await project.call(
        "POST",
        "/auth/sign-up",
        json={
            "email": " Ada@Example.COM ",
            "password": PASSWORD,
            "name": "Ada Lovelace",
            "username": "Ada.L",
            "bio": "first programmer",
            "metadata": {"theme": "dark"},
        },
    )
    body = assert_json(
        response,
        201,
        {
            "success": True,
            "accessToken": response.json()["accessToken"],
            "refreshToken": response.json()["refreshToken"],
            "user": {
                "id": ID,
                "foreignId": None,
                "projectId": project.id,
                "name": "Ada Lovelace",
                "username": "ada.l",
                "avatar": None,
                "bio": "first programmer",
                "metadata": {"theme": "dark"},
                "reputation": 0,
                "createdAt": TIMESTAMP,
                "email": "ada@example.com",
                "isVerified": False,
                "isActive": True,
                "lastActive": TIMESTAMP,
                "authMethods": ["password"],
            },
        },
    )
    me = await project.call(
        "GET",
        f"/users/{body['user']['id']}",
        headers={"Authorization": f"Bearer {body['accessToken']}"},
    )
    assert me.json()["email"] == "ada@example.com"


async def test_password_is_stored_with_argon2id(project: ProjectFactory) -> None:
    body = await sign_up(project)
    database: Database = project.app.state.database
    async with database.transaction(write=False) as connection:
        from mutuals.users.repository import get_user  # noqa: PLC0415

        row = await get_user(
            connection,
            uuid.UUID(project.id),
            uuid.UUID(body["user"]["id"]),  # type: ignore[index]
        )
    assert row is not None
    assert row["password_hash"].startswith("$argon2id$v=19$m=65536,t=3,p=4$")
    assert PASSWORD not in row["password_hash"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"password": PASSWORD}, "email"),
        ({"email": "not-an-email", "password": PASSWORD}, "email"),
        ({"email": "a@example.com"}, "password"),
        ({"email": "a@example.com", "password": "short"}, "password"),
        ({"email": "a@example.com", "password": "x" * 129}, "password"),
        ({"email": "a@example.com", "password": PASSWORD, "username": "ab"}, "username"),
        ({"email": "a@example.com", "password": PASSWORD, "username": "no spaces"}, "username"),
        ({"email": "a@example.com", "password": PASSWORD, "bio": "b" * 301}, "bio"),
        ({"email": "a@example.com", "password": PASSWORD, "metadata": [1]}, "metadata"),
        (
            {"email": "a@example.com", "password": PASSWORD, "metadata": {"k": "v" * 10241}},
            "metadata",
        ),
        ({"email": 5, "password": PASSWORD}, "email"),
    ],
)
async def test_sign_up_validation(
    project: ProjectFactory, body: dict[str, object], field: str
) -> None:
    response = await project.call("POST", "/auth/sign-up", json=body)
    assert_error(response, 400, "auth/invalid-body", field=field)


async def test_sign_up_malformed_json(project: ProjectFactory) -> None:
    response = await project.call(
        "POST", "/auth/sign-up", content=b"{", headers={"Content-Type": "application/json"}
    )
    assert_error(response, 400, "request/invalid-json")


async def test_duplicates(project: ProjectFactory) -> None:
    await sign_up(project, username="ada")
    email = await project.call(
        "POST", "/auth/sign-up", json={"email": "ADA@example.com", "password": PASSWORD}
    )
    assert_json(
        email, 409, {"error": "Email already in use", "field": "email", "code": "DUPLICATE_EMAIL"}
    )
    username = await project.call(
        "POST",
        "/auth/sign-up",
        json={"email": "other@example.com", "password": PASSWORD, "username": "ADA"},
    )
    assert_json(
        username,
        409,
        {"error": "Username already taken", "field": "username", "code": "DUPLICATE_USERNAME"},
    )


async def test_same_email_in_two_projects(project: ProjectFactory) -> None:
    other = await ProjectFactory.create(project.app, project.client)
    await sign_up(project)
    await sign_up(other)


async def test_extra_fields_are_ignored(project: ProjectFactory) -> None:
    body = await sign_up(
        project, reputation=1000, role="admin", projectId=str(uuid.uuid4()), isVerified=True
    )
    user = body["user"]
    assert user["reputation"] == 0  # type: ignore[index]
    assert user["projectId"] == project.id  # type: ignore[index]
    assert user["isVerified"] is False  # type: ignore[index]


async def test_sign_in(project: ProjectFactory) -> None:
    await sign_up(project)
    response = await project.call(
        "POST", "/auth/sign-in", json={"email": "ADA@example.com", "password": PASSWORD}
    )
    assert response.status_code == 200, response.text
    assert set(response.json()) == {"success", "accessToken", "refreshToken", "user"}
    assert response.json()["user"]["email"] == "ada@example.com"


async def test_sign_in_errors(project: ProjectFactory) -> None:
    await sign_up(project)
    assert_error(
        await project.call(
            "POST", "/auth/sign-in", json={"email": "nobody@example.com", "password": PASSWORD}
        ),
        403,
        "auth/no-user-found",
    )
    assert_error(
        await project.call(
            "POST", "/auth/sign-in", json={"email": "ada@example.com", "password": "wrong pass"}
        ),
        401,
        "auth/wrong-password",
    )
    passwordless = await project.user()  # made without a password, like an external user
    assert_error(
        await project.call(
            "POST",
            "/auth/sign-in",
            json={"email": f"{passwordless.username}@example.com", "password": PASSWORD},
        ),
        403,
        "auth/invalid-credentials",
    )
    assert_error(
        await project.call("POST", "/auth/sign-in", json={"email": "ada@example.com"}),
        400,
        "auth/invalid-body",
        field="password",
    )


async def test_no_secret_reaches_the_logs(
    project: ProjectFactory, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.DEBUG):
        body = await sign_up(project)
        await project.call(
            "POST", "/auth/sign-in", json={"email": "ada@example.com", "password": PASSWORD}
        )
    text = caplog.text
    for secret in (PASSWORD, str(body["accessToken"]), str(body["refreshToken"]), "$argon2id$"):
        assert secret not in text
