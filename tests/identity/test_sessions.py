"""§3.3 refresh-token rotation with reuse detection, and §3.4 sign-out."""

import asyncio
import time
import uuid
from collections.abc import AsyncIterator

import httpx
import jwt
import pytest
from fastapi import FastAPI

from mutuals.app import create_app
from mutuals.auth.tokens import TokenSigner
from mutuals.config import Settings
from tests import log_scan
from tests.assertions import assert_error, assert_json
from tests.factories import ProjectFactory
from tests.live_server import live_server

PASSWORD = "correct horse battery"


async def signed_up(project: ProjectFactory, email: str = "ada@example.com") -> dict[str, str]:
    response = await project.call(
        "POST", "/auth/sign-up", json={"email": email, "password": PASSWORD}
    )
    assert response.status_code == 201, response.text
    log_scan.remember(PASSWORD, response.json()["refreshToken"], response.json()["accessToken"])
    return {"refresh": response.json()["refreshToken"], "user": response.json()["user"]["id"]}


async def refresh(project: ProjectFactory, token: object) -> httpx.Response:
    return await project.call(
        "POST", "/auth/request-new-access-token", json={"refreshToken": token}
    )


def jti(token: str) -> str:
    claims = jwt.decode(token, options={"verify_signature": False})
    return str(claims["jti"])


async def test_rotation_chain(project: ProjectFactory) -> None:
    first = (await signed_up(project))["refresh"]
    second_response = await refresh(project, first)
    assert second_response.status_code == 200, second_response.text
    body = second_response.json()
    assert set(body) == {"success", "accessToken", "refreshToken", "user"}
    second = body["refreshToken"]
    third = (await refresh(project, second)).json()["refreshToken"]
    assert len({jti(first), jti(second), jti(third)}) == 3
    me = await project.call(
        "GET",
        f"/users/{body['user']['id']}",
        headers={"Authorization": f"Bearer {body['accessToken']}"},
    )
    assert me.status_code == 200


async def test_reuse_inside_the_grace_window_returns_the_successor(
    project: ProjectFactory,
) -> None:
    first = (await signed_up(project))["refresh"]
    second = (await refresh(project, first)).json()["refreshToken"]
    again = await refresh(project, first)
    assert again.status_code == 200, again.text
    assert jti(again.json()["refreshToken"]) == jti(second)
    # The family is intact: the successor still rotates.
    assert (await refresh(project, second)).status_code == 200


@pytest.fixture
async def strict_project(settings: Settings) -> AsyncIterator[ProjectFactory]:
    """A project served by an app whose grace window is zero, so reuse is detected at once."""
    app: FastAPI = create_app(settings.model_copy(update={"refresh_reuse_grace_seconds": 0.0}))
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://strict") as client:
            yield await ProjectFactory.create(app, client)


async def test_reuse_after_the_window_revokes_the_family(strict_project: ProjectFactory) -> None:
    project = strict_project
    first = (await signed_up(project))["refresh"]
    second = (await refresh(project, first)).json()["refreshToken"]
    third = (await refresh(project, second)).json()["refreshToken"]
    assert_error(await refresh(project, first), 401, "auth/token-reuse-detected")
    # The revocation was committed with the 401: every descendant is dead too.
    assert_error(await refresh(project, third), 401, "auth/token-reuse-detected")
    assert_error(await refresh(project, second), 401, "auth/token-reuse-detected")
    # Another session of the same user, in another family, is untouched.
    other = await project.call(
        "POST", "/auth/sign-in", json={"email": "ada@example.com", "password": PASSWORD}
    )
    assert (await refresh(project, other.json()["refreshToken"])).status_code == 200


async def test_no_token(project: ProjectFactory) -> None:
    for body in ({}, {"refreshToken": None}, {"refreshToken": ""}):
        response = await project.call("POST", "/auth/request-new-access-token", json=body)
        assert_json(response, 200, {"user": None, "accessToken": None})


async def test_malformed_tokens(project: ProjectFactory) -> None:
    session = await signed_up(project)
    signer: TokenSigner = project.app.state.token_signer
    pid, uid = uuid.UUID(project.id), uuid.UUID(session["user"])
    expired = signer.issue(
        "refresh", pid, uid, extra_claims={"fam": str(uuid.uuid4()), "exp": int(time.time()) - 5}
    )
    access = signer.issue("access", pid, uid)
    header, payload, signature = session["refresh"].split(".")
    tampered = f"{header}.{payload}.{signature[::-1]}"
    claims = {
        "sub": str(uid),
        "pid": project.id,
        "typ": "refresh",
        "iat": 1,
        "exp": 2**40,
        "jti": str(uuid.uuid4()),
        "fam": str(uuid.uuid4()),
    }
    unsigned = jwt.encode(claims, key=None, algorithm="none")
    for token in ("garbage", expired, access, tampered, unsigned):
        assert_error(await refresh(project, token), 403, "auth/refresh-token-malformed")


async def test_token_of_another_project(project: ProjectFactory) -> None:
    other = await ProjectFactory.create(project.app, project.client)
    foreign = (await signed_up(other))["refresh"]
    assert_error(await refresh(project, foreign), 403, "auth/refresh-token-project-mismatch")


async def test_unrecognised_token(project: ProjectFactory) -> None:
    session = await signed_up(project)
    signer: TokenSigner = project.app.state.token_signer
    unknown = signer.issue(
        "refresh",
        uuid.UUID(project.id),
        uuid.UUID(session["user"]),
        extra_claims={"fam": str(uuid.uuid4())},
    )
    assert_error(await refresh(project, unknown), 403, "auth/refresh-token-mismatch")


async def test_sign_out_revokes_the_family(project: ProjectFactory) -> None:
    first = (await signed_up(project))["refresh"]
    second = (await refresh(project, first)).json()["refreshToken"]
    out = await project.call("POST", "/auth/sign-out", json={"refreshToken": first})
    assert out.status_code == 204
    assert out.content == b""
    assert_error(await refresh(project, second), 401, "auth/token-reuse-detected")


@pytest.mark.parametrize(
    "request_kwargs",
    [
        {"json": {"refreshToken": "garbage"}},
        {"json": {}},
        {"content": b"{not json", "headers": {"Content-Type": "application/json"}},
        {},
    ],
)
async def test_sign_out_always_answers_204(
    project: ProjectFactory, request_kwargs: dict[str, object]
) -> None:
    response = await project.call("POST", "/auth/sign-out", **request_kwargs)
    assert response.status_code == 204


async def test_concurrent_refreshes_make_one_successor(
    project: ProjectFactory, settings: Settings
) -> None:
    first = (await signed_up(project))["refresh"]
    with live_server(settings) as base:
        async with httpx.AsyncClient(base_url=base, timeout=30) as http:
            responses = await asyncio.gather(
                *(
                    http.post(
                        f"{project.base}/auth/request-new-access-token",
                        json={"refreshToken": first},
                    )
                    for _ in range(20)
                )
            )
    assert {response.status_code for response in responses} == {200}, [
        response.text for response in responses if response.status_code != 200
    ]
    successors = {jti(response.json()["refreshToken"]) for response in responses}
    assert len(successors) == 1
    successor = next(r.json()["refreshToken"] for r in responses)
    assert (await refresh(project, successor)).status_code == 200
