"""§3.5 verify-external-user: RS256 only, the project as issuer, create then update."""

import asyncio
import time
import uuid
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from mutuals.kit.db.database import Database
from mutuals.projects.service import set_external_user_public_key
from tests.assertions import assert_error, assert_json
from tests.factories import ProjectFactory

APP_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)
OTHER_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)
PUBLIC_PEM = (
    APP_KEY.public_key()
    .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    .decode()
)


async def register_key(project: ProjectFactory) -> None:
    database: Database = project.app.state.database
    async with database.transaction() as connection:
        await set_external_user_public_key(connection, uuid.UUID(project.id), PUBLIC_PEM)


def user_jwt(
    project: ProjectFactory, key: Any = APP_KEY, algorithm: str = "RS256", **claims: Any
) -> str:
    payload = {"sub": "app-user-1", "iss": project.id, "exp": int(time.time()) + 300, **claims}
    return jwt.encode(payload, key, algorithm=algorithm)


async def verify(project: ProjectFactory, token: str) -> Any:
    return await project.call("POST", "/auth/verify-external-user", json={"userJwt": token})


async def test_first_sight_creates_then_updates(project: ProjectFactory) -> None:
    await register_key(project)
    data = {
        "name": "Grace",
        "username": "Grace",
        "email": "grace@example.com",
        "metadata": {"plan": "pro"},
    }
    first = await verify(project, user_jwt(project, userData=data))
    assert first.status_code == 200, first.text
    user = first.json()["user"]
    assert (user["foreignId"], user["name"], user["username"], user["email"]) == (
        "app-user-1",
        "Grace",
        "grace",
        "grace@example.com",
    )
    assert user["authMethods"] == ["external"]
    assert set(first.json()) == {"success", "accessToken", "refreshToken", "user"}

    second = await verify(project, user_jwt(project, userData={**data, "name": "Grace H."}))
    assert second.status_code == 200, second.text
    assert second.json()["user"]["id"] == user["id"]
    assert second.json()["user"]["name"] == "Grace H."
    profile = await project.call("GET", f"/users/{user['id']}")
    assert profile.json()["name"] == "Grace H."


async def test_no_public_key(project: ProjectFactory) -> None:
    assert_error(await verify(project, user_jwt(project)), 403, "auth/missing-keys")


@pytest.mark.parametrize(
    "case", ["expired", "other-key", "hs256-with-public-key", "none", "no-exp"]
)
async def test_invalid_tokens(project: ProjectFactory, case: str) -> None:
    await register_key(project)
    if case == "expired":
        token = user_jwt(project, exp=int(time.time()) - 10)
    elif case == "other-key":
        token = user_jwt(project, key=OTHER_KEY)
    elif case == "hs256-with-public-key":
        header = jwt.utils.base64url_encode(b'{"alg":"HS256","typ":"JWT"}')
        body = jwt.utils.base64url_encode(
            f'{{"sub":"x","iss":"{project.id}","exp":{int(time.time()) + 300}}}'.encode()
        )
        import hashlib  # noqa: PLC0415
        import hmac  # noqa: PLC0415

        signing_input = header + b"." + body
        signature = hmac.new(PUBLIC_PEM.encode(), signing_input, hashlib.sha256).digest()
        token = (signing_input + b"." + jwt.utils.base64url_encode(signature)).decode()
    elif case == "none":
        token = jwt.encode(
            {"sub": "x", "iss": project.id, "exp": int(time.time()) + 300}, None, algorithm="none"
        )
    else:
        token = jwt.encode({"sub": "x", "iss": project.id}, APP_KEY, algorithm="RS256")
    assert_error(await verify(project, token), 403, "auth/invalid-token")


async def test_issuer_must_be_the_project(project: ProjectFactory) -> None:
    await register_key(project)
    token = user_jwt(project, iss=str(uuid.uuid4()))
    assert_error(await verify(project, token), 403, "auth/project-mismatch")


async def test_username_taken(project: ProjectFactory) -> None:
    await register_key(project)
    taken = await project.user()
    response = await verify(project, user_jwt(project, userData={"username": taken.username}))
    assert_json(
        response,
        409,
        {"error": "Username already taken", "field": "username", "code": "DUPLICATE_USERNAME"},
    )


async def test_missing_user_jwt(project: ProjectFactory) -> None:
    await register_key(project)
    response = await project.call("POST", "/auth/verify-external-user", json={})
    assert_error(response, 400, "auth/invalid-body", field="userJwt")


async def test_concurrent_first_sign_ins_are_one_user(project: ProjectFactory) -> None:
    """Four first sightings at once of the same user with a username: all signed in."""
    await register_key(project)
    data = {"name": "Lin", "username": "lin", "email": "lin@example.com"}
    for _ in range(5):  # several rounds, each a fresh user, to give the race its chances
        suffix = uuid.uuid4().hex[:8]
        tokens = [
            user_jwt(
                project,
                sub=f"app-user-{suffix}",
                userData={**data, "username": f"lin{suffix}", "email": f"{suffix}@example.com"},
            )
            for _ in range(4)
        ]
        answers = await asyncio.gather(*(verify(project, token) for token in tokens))
        assert [answer.status_code for answer in answers] == [200] * 4, [
            answer.text for answer in answers
        ]
        assert len({answer.json()["user"]["id"] for answer in answers}) == 1
