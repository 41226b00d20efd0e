"""§1 rate limits: per project and client address, per endpoint group, service keys exempt."""

import uuid
from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import FastAPI

from mutuals.app import create_app
from mutuals.config import Settings
from tests.assertions import assert_json
from tests.factories import ProjectFactory

TOO_MANY = {"error": "Too many requests, please try again later.", "code": "rate-limit/exceeded"}


@pytest.fixture
async def limited_app(settings: Settings, request: pytest.FixtureRequest) -> AsyncIterator[FastAPI]:
    overrides = {"rate_limits": "on", **getattr(request, "param", {})}
    app = create_app(settings.model_copy(update=overrides))
    async with app.router.lifespan_context(app):
        yield app


async def project_on(app: FastAPI) -> ProjectFactory:
    client = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://limited")
    return await ProjectFactory.create(app, client)


async def test_51st_delete_is_refused_with_headers(limited_app: FastAPI) -> None:
    project = await project_on(limited_app)
    ada = await project.user()
    for attempt in range(1, 51):
        response = await project.call("DELETE", f"/connections/{uuid.uuid4()}", ada)
        assert response.status_code == 404, response.text
        assert response.headers["ratelimit-limit"] == "50"
        assert response.headers["ratelimit-remaining"] == str(50 - attempt)
        assert 0 <= int(response.headers["ratelimit-reset"]) <= 300
    refused = await project.call("DELETE", f"/connections/{uuid.uuid4()}", ada)
    assert_json(refused, 429, TOO_MANY)
    assert refused.headers["ratelimit-limit"] == "50"
    assert refused.headers["ratelimit-remaining"] == "0"
    assert 1 <= int(refused.headers["retry-after"]) <= 300
    # The same group covers the other DELETE and accept/decline.
    assert (
        await project.call("DELETE", f"/users/{uuid.uuid4()}/connection", ada)
    ).status_code == 429
    assert (
        await project.call("PATCH", f"/connections/{uuid.uuid4()}/accept", ada)
    ).status_code == 429
    # Other groups keep their own allowance.
    count = await project.call("GET", "/connections/count", ada)
    assert count.status_code == 200
    assert count.headers["ratelimit-limit"] == "100"

    other = await project_on(limited_app)
    stranger = await other.user()
    assert (await other.call("DELETE", f"/connections/{uuid.uuid4()}", stranger)).status_code == 404

    keyed = await project.call(
        "DELETE",
        f"/connections/{uuid.uuid4()}?actingUserId={ada.id}",
        headers=project.service_auth,
    )
    assert keyed.status_code == 404
    assert "ratelimit-limit" not in keyed.headers


async def test_connection_requests_allow_25(limited_app: FastAPI) -> None:
    project = await project_on(limited_app)
    ada = await project.user()
    codes = [
        (await project.call("POST", f"/users/{uuid.uuid4()}/connection", ada, json={})).status_code
        for _ in range(26)
    ]
    assert codes == [404] * 25 + [429]


async def test_auth_endpoints_allow_20(limited_app: FastAPI) -> None:
    project = await project_on(limited_app)
    codes = [
        (
            await project.call(
                "POST", "/auth/sign-in", json={"email": "x@example.com", "password": "whatever1"}
            )
        ).status_code
        for _ in range(21)
    ]
    assert codes == [403] * 20 + [429]


async def test_a_forged_service_key_is_not_exempt(limited_app: FastAPI) -> None:
    project = await project_on(limited_app)
    forged = {"Authorization": "Bearer mut_sk_forged"}
    codes = [
        (
            await project.call("GET", f"/users/{uuid.uuid4()}/connections-count", headers=forged)
        ).status_code
        for _ in range(3)
    ]
    assert codes == [403, 403, 403]  # a bare "Forbidden": the key fails, and it counts
    response = await project.call("GET", f"/users/{uuid.uuid4()}/connections-count", headers=forged)
    assert response.headers["ratelimit-remaining"] == "96"


@pytest.mark.parametrize("limited_app", [{"rate_limit_default": "3/minute"}], indirect=True)
async def test_limits_are_configurable(limited_app: FastAPI) -> None:
    project = await project_on(limited_app)
    codes = [(await project.call("GET", f"/users/{uuid.uuid4()}")).status_code for _ in range(4)]
    assert codes == [404, 404, 404, 429]


@pytest.mark.parametrize("limited_app", [{"rate_limit_default": "2/minute"}], indirect=True)
async def test_forwarded_for_is_ignored_without_trusted_proxies(limited_app: FastAPI) -> None:
    project = await project_on(limited_app)
    codes = [
        (
            await project.call(
                "GET", f"/users/{uuid.uuid4()}", headers={"X-Forwarded-For": f"10.0.0.{n}"}
            )
        ).status_code
        for n in range(3)
    ]
    assert codes == [404, 404, 429]


@pytest.mark.parametrize(
    "limited_app",
    [{"rate_limit_default": "2/minute", "trusted_proxies": "127.0.0.1"}],
    indirect=True,
)
async def test_forwarded_for_from_a_trusted_proxy(limited_app: FastAPI) -> None:
    project = await project_on(limited_app)

    async def status(client_address: str) -> int:
        response = await project.call(
            "GET",
            f"/users/{uuid.uuid4()}",
            headers={"X-Forwarded-For": f"{client_address}, 127.0.0.1"},
        )
        return response.status_code

    assert [await status("203.0.113.7") for _ in range(3)] == [404, 404, 429]
    assert await status("203.0.113.8") == 404


async def test_discovery_endpoints_share_their_own_100(limited_app: FastAPI) -> None:
    """§1: relationships, suggestions (and dismissing one) and the mutual lists draw on one
    allowance of 100, apart from the default group's."""
    project = await project_on(limited_app)
    ada, bob = await project.user(), await project.user()
    calls = [
        ("GET", f"/relationships?ids={bob.id}"),
        ("GET", "/connections/suggestions"),
        ("DELETE", f"/connections/suggestions/{bob.id}"),
        ("GET", f"/users/{bob.id}/mutual-connections"),
        ("GET", f"/users/{bob.id}/known-followers"),
    ]
    codes = []
    for attempt in range(100):
        method, path = calls[attempt % len(calls)]
        response = await project.call(method, path, ada)
        codes.append(response.status_code)
        assert response.headers["ratelimit-limit"] == "100"
        assert response.headers["ratelimit-remaining"] == str(99 - attempt)
    assert set(codes) <= {200, 204}, codes
    for method, path in calls:
        assert_json(await project.call(method, path, ada), 429, TOO_MANY)
    # The default group's allowance is untouched.
    count = await project.call("GET", "/connections/count", ada)
    assert count.status_code == 200
    assert count.headers["ratelimit-remaining"] == "99"


@pytest.mark.parametrize("limited_app", [{"rate_limit_user_search": "6/minute"}], indirect=True)
async def test_user_suggestions_and_search_share_their_own_allowance(
    limited_app: FastAPI,
) -> None:
    """§12: autocomplete is chatty, so suggestions and search draw on an allowance of their
    own (300 per 5 minutes by default), apart from the default group's."""
    project = await project_on(limited_app)
    ada = await project.user()
    first = await project.call("GET", "/users/suggestions?query=a", ada)
    assert first.headers["ratelimit-limit"] == "6"
    for attempt in range(5):
        if attempt % 2:
            response = await project.call("GET", "/users/suggestions?query=a", ada)
        else:
            response = await project.call("POST", "/search/users", ada, json={"query": "ada"})
        assert response.status_code == 200, response.text
        assert response.headers["ratelimit-remaining"] == str(4 - attempt)
    assert_json(await project.call("GET", "/users/suggestions?query=a", ada), 429, TOO_MANY)
    assert_json(
        await project.call("POST", "/search/users", ada, json={"query": "ada"}), 429, TOO_MANY
    )
    lookup = await project.call("GET", "/users/by-username?username=nobody", ada)
    assert lookup.status_code == 404
    assert lookup.headers["ratelimit-remaining"] == "99"


def test_the_user_search_allowance_defaults_to_300_per_5_minutes() -> None:
    assert Settings().rate_limit_user_search == "300/5minutes"
