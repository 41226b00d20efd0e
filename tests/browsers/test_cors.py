"""API.md §11: CORS answers for the origins a project allows, and nothing for the others."""

import uuid
from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import FastAPI

from mutuals.app import create_app
from mutuals.config import Settings
from mutuals.kit.db.database import Database
from mutuals.projects.service import set_allowed_origins
from tests.assertions import assert_bare, assert_json
from tests.factories import ProjectFactory

APP_ORIGIN = "https://app.example.com"
EXPOSED = {
    "ratelimit-limit",
    "ratelimit-remaining",
    "ratelimit-reset",
    "retry-after",
    "x-request-id",
    "idempotent-replayed",
}
PREFLIGHT = {
    "Access-Control-Request-Method": "POST",
    "Access-Control-Request-Headers": "authorization",
}


async def allow(project: ProjectFactory, *origins: str) -> list[str]:
    database: Database = project.app.state.database
    async with database.transaction() as connection:
        return await set_allowed_origins(connection, uuid.UUID(project.id), list(origins))


def cors_headers(response: httpx.Response) -> dict[str, str]:
    return {
        name: value
        for name, value in response.headers.items()
        if name.startswith("access-control-")
    }


def assert_allowed_for(response: httpx.Response, origin: str) -> None:
    assert response.headers["access-control-allow-origin"] == origin
    assert response.headers["access-control-allow-credentials"] == "true"
    assert "Origin" in response.headers["vary"]
    exposed = {
        name.strip().lower()
        for name in response.headers["access-control-expose-headers"].split(",")
    }
    assert exposed == EXPOSED


async def test_allowed_origin_gets_cors_headers_on_every_answer(project: ProjectFactory) -> None:
    ada = await project.user()
    await allow(project, APP_ORIGIN, "http://localhost:5173")
    origin = {"Origin": APP_ORIGIN}
    ok = await project.call("GET", "/connections/count", ada, headers=origin)
    assert_json(ok, 200, {"count": 0})
    assert_allowed_for(ok, APP_ORIGIN)
    # The SDK must be able to read a bare credential answer to decide to refresh.
    missing = await project.call("GET", "/connections/count", headers=origin)
    assert_bare(missing, 401)
    assert_allowed_for(missing, APP_ORIGIN)
    not_found = await project.call("GET", f"/users/{uuid.uuid4()}/connections", headers=origin)
    assert not_found.status_code == 404
    assert_allowed_for(not_found, APP_ORIGIN)


async def test_preflight_from_an_allowed_origin(project: ProjectFactory) -> None:
    await allow(project, APP_ORIGIN)
    response = await project.call(
        "OPTIONS", f"/users/{uuid.uuid4()}/connection", headers={"Origin": APP_ORIGIN, **PREFLIGHT}
    )
    assert response.status_code == 204
    assert response.content == b""
    assert cors_headers(response) == {
        "access-control-allow-origin": APP_ORIGIN,
        "access-control-allow-credentials": "true",
        "access-control-allow-methods": "GET, POST, PATCH, DELETE",
        "access-control-allow-headers": (
            "Authorization, Content-Type, Idempotency-Key, X-Replyke-Project-ID"
        ),
        "access-control-max-age": "600",
    }
    assert "Origin" in response.headers["vary"]


async def test_other_origins_get_nothing(project: ProjectFactory) -> None:
    ada = await project.user()
    await allow(project, APP_ORIGIN)
    for origin in (
        "https://evil.example.com",
        "http://app.example.com",
        "https://app.example.com:8443",
        "null",
    ):
        response = await project.call("GET", "/connections/count", ada, headers={"Origin": origin})
        assert_json(response, 200, {"count": 0})
        assert cors_headers(response) == {}
        preflight = await project.call(
            "OPTIONS", "/connections/count", headers={"Origin": origin, **PREFLIGHT}
        )
        assert preflight.status_code == 403
        assert cors_headers(preflight) == {}


async def test_a_project_without_origins_and_an_unknown_project_allow_none(
    project: ProjectFactory, client: httpx.AsyncClient
) -> None:
    preflight = await project.call(
        "OPTIONS", "/connections", headers={"Origin": APP_ORIGIN, **PREFLIGHT}
    )
    assert preflight.status_code == 403
    assert cors_headers(preflight) == {}
    for path in (f"/v7/{uuid.uuid4()}/connections", "/v7/not-a-project/connections", "/healthz"):
        response = await client.options(path, headers={"Origin": APP_ORIGIN, **PREFLIGHT})
        assert response.status_code == 403
        assert cors_headers(response) == {}


async def test_any_origin_without_credentials(project: ProjectFactory) -> None:
    ada = await project.user()
    await allow(project, "*")
    origin = {"Origin": "https://whoever.example.org"}
    response = await project.call("GET", "/connections/count", ada, headers=origin)
    assert response.headers["access-control-allow-origin"] == "*"
    assert "access-control-allow-credentials" not in response.headers
    preflight = await project.call("OPTIONS", "/connections/count", headers={**origin, **PREFLIGHT})
    assert preflight.status_code == 204
    assert preflight.headers["access-control-allow-origin"] == "*"


async def test_origins_are_normalised_and_checked(project: ProjectFactory) -> None:
    stored = await allow(
        project,
        "HTTPS://App.Example.com:443",
        "http://localhost:80",
        "http://127.0.0.1:5173",
        "capacitor://localhost",
    )
    assert stored == [
        "https://app.example.com",
        "http://localhost",
        "http://127.0.0.1:5173",
        "capacitor://localhost",
    ]
    for bad in (
        "app.example.com",
        "https://app.example.com/",
        "https://app.example.com/path",
        "https://",
        "ftp//x",
        "https://a b.com",
        "https://x.com:99999",
    ):
        with pytest.raises(ValueError, match=r"origin|port"):
            await allow(project, bad)


async def test_options_without_a_preflight_is_still_not_allowed(project: ProjectFactory) -> None:
    await allow(project, APP_ORIGIN)
    response = await project.call("OPTIONS", "/connections", headers={"Origin": APP_ORIGIN})
    assert response.status_code == 405
    assert response.json()["code"] == "request/method-not-allowed"


@pytest.fixture
async def limited_app(settings: Settings) -> AsyncIterator[FastAPI]:
    app = create_app(
        settings.model_copy(update={"rate_limits": "on", "rate_limit_default": "2/5minutes"})
    )
    async with app.router.lifespan_context(app):
        yield app


async def test_preflights_need_no_credential_and_are_not_limited(limited_app: FastAPI) -> None:
    client = httpx.AsyncClient(
        transport=httpx.ASGITransport(app=limited_app), base_url="http://cors"
    )
    project = await ProjectFactory.create(limited_app, client)
    await allow(project, APP_ORIGIN)
    for _ in range(10):
        preflight = await project.call(
            "OPTIONS", "/connections/count", headers={"Origin": APP_ORIGIN, **PREFLIGHT}
        )
        assert preflight.status_code == 204
        assert "ratelimit-limit" not in preflight.headers
    ada = await project.user()
    answers = [
        (
            await project.call("GET", "/connections/count", ada, headers={"Origin": APP_ORIGIN})
        ).status_code
        for _ in range(3)
    ]
    assert answers == [200, 200, 429]
