"""§1 conventions and §5 operations: the error model, limits on input, probes, OpenAPI."""

import logging
import uuid
from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import FastAPI

from mutuals.app import create_app
from mutuals.config import Settings
from tests.assertions import assert_error, assert_json
from tests.factories import ProjectFactory


async def test_health_and_readiness(client: httpx.AsyncClient) -> None:
    assert_json(await client.get("/healthz"), 200, {"status": "ok"})
    assert_json(await client.get("/readyz"), 200, {"status": "ready", "rateLimitStore": "memory"})


async def test_project_resolution(client: httpx.AsyncClient) -> None:
    assert_error(await client.get("/v7/not-a-uuid/users/x"), 400, "project/invalid-id")
    assert_error(
        await client.get(f"/v7/{uuid.uuid4()}/users/{uuid.uuid4()}"), 404, "project/not-found"
    )


async def test_unknown_routes_and_methods(project: ProjectFactory) -> None:
    assert_error(await project.client.get("/nowhere"), 404, "request/not-found")
    assert_error(await project.call("GET", "/nowhere"), 404, "request/not-found")
    assert_error(await project.call("PUT", "/connections/count"), 405, "request/method-not-allowed")


async def test_malformed_json(project: ProjectFactory) -> None:
    ada, bob = await project.user(), await project.user()
    response = await project.call(
        "POST",
        f"/users/{bob.id}/connection",
        ada,
        content=b'{"message": ',
        headers={"Content-Type": "application/json"},
    )
    assert_error(response, 400, "request/invalid-json")


async def test_body_over_64_kib(project: ProjectFactory) -> None:
    ada, bob = await project.user(), await project.user()
    big = b'{"message": "' + b"x" * (100 * 1024) + b'"}'
    declared = await project.call(
        "POST",
        f"/users/{bob.id}/connection",
        ada,
        content=big,
        headers={"Content-Type": "application/json"},
    )
    assert_error(declared, 413, "request/too-large")

    async def chunks() -> AsyncIterator[bytes]:
        for start in range(0, len(big), 8192):
            yield big[start : start + 8192]

    streamed = await project.call(
        "POST",
        f"/users/{bob.id}/connection",
        ada,
        content=chunks(),
        headers={"Content-Type": "application/json"},
    )
    assert_error(streamed, 413, "request/too-large")
    status = await project.call("GET", f"/users/{bob.id}/connection", ada)
    assert status.json() == {"status": "none"}


async def test_request_id_is_echoed_or_made(client: httpx.AsyncClient) -> None:
    echoed = await client.get("/healthz", headers={"X-Request-Id": "abc-123"})
    assert echoed.headers["x-request-id"] == "abc-123"
    made = await client.get("/healthz")
    assert len(made.headers["x-request-id"]) == 32


async def test_unexpected_error_is_a_bare_500(
    settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    app = create_app(settings)

    @app.get("/explode")
    async def explode() -> None:
        raise RuntimeError("internal detail that must not leak")

    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=transport, base_url="http://t") as http,
    ):
        with caplog.at_level(logging.ERROR, logger="mutuals.errors"):
            response = await http.get("/explode", headers={"X-Request-Id": "req-500"})
    assert_json(response, 500, {"error": "Internal server error.", "code": "server/error"})
    assert "internal detail" not in response.text
    assert any("req-500" in record.getMessage() for record in caplog.records)


async def test_database_outage_answers_503(settings: Settings) -> None:
    # A closed port stands in for a database that is down.
    unreachable = "postgresql+asyncpg://postgres@127.0.0.1:9/none"
    app: FastAPI = create_app(
        settings.model_copy(
            update={"database_url": unreachable, "database_connect_timeout_seconds": 2.0}
        )
    )
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=transport, base_url="http://t") as http,
    ):
        assert_error(await http.get("/readyz"), 503, "server/unavailable")
        response = await http.get(f"/v7/{uuid.uuid4()}/users/{uuid.uuid4()}")
        assert_json(
            response,
            503,
            {"error": "Service temporarily unavailable.", "code": "server/unavailable"},
        )
        assert_json(await http.get("/healthz"), 200, {"status": "ok"})


async def test_openapi_documents_every_endpoint(client: httpx.AsyncClient) -> None:
    spec = (await client.get("/openapi.json")).json()
    expected = {
        ("post", "/v7/{projectId}/users/{userId}/connection"),
        ("get", "/v7/{projectId}/users/{userId}/connection"),
        ("delete", "/v7/{projectId}/users/{userId}/connection"),
        ("get", "/v7/{projectId}/users/{userId}/connections"),
        ("get", "/v7/{projectId}/users/{userId}/connections-count"),
        ("get", "/v7/{projectId}/connections"),
        ("get", "/v7/{projectId}/connections/count"),
        ("get", "/v7/{projectId}/connections/pending/sent"),
        ("get", "/v7/{projectId}/connections/pending/received"),
        ("patch", "/v7/{projectId}/connections/{connectionId}/accept"),
        ("patch", "/v7/{projectId}/connections/{connectionId}/decline"),
        ("delete", "/v7/{projectId}/connections/{connectionId}"),
        ("get", "/v7/{projectId}/users/{userId}"),
        ("get", "/v7/{projectId}/app-notifications"),
        ("get", "/v7/{projectId}/app-notifications/count"),
        ("patch", "/v7/{projectId}/app-notifications/{notificationId}/mark-as-read"),
        ("patch", "/v7/{projectId}/app-notifications/mark-all-as-read"),
        ("get", "/healthz"),
        ("get", "/readyz"),
    }
    documented = {(method, path) for path, item in spec["paths"].items() for method in item}
    assert expected <= documented
    for method, path in expected - {("get", "/healthz"), ("get", "/readyz")}:
        responses = spec["paths"][path][method]["responses"]
        assert "400" in responses, (method, path)
        assert responses["400"]["content"]["application/json"]["schema"] == {
            "$ref": "#/components/schemas/ErrorBody"
        }
    docs = await client.get("/docs")
    assert docs.status_code == 200
