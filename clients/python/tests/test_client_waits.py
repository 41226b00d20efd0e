"""429 and 503 are waited out (Retry-After, then backoff) before the error is raised."""

from collections.abc import Iterator
from contextlib import contextmanager
from urllib.parse import urlsplit

import httpx
import mutuals_client
import pytest
from client_factories import PASSWORD, new_user_async
from conftest import Setup
from fastapi import FastAPI
from mutuals_client import AsyncClient, Client

from mutuals.config import Settings
from tests.apps import running_app
from tests.factories import ProjectFactory
from tests.tcp_proxy import CuttableProxy


@pytest.fixture(scope="module")
def served_settings(settings: Settings) -> Settings:
    # Two calls a second per project and address for user endpoints (service keys are never
    # limited, so the tests call as a signed-in user).
    return settings.model_copy(update={"rate_limits": "on", "rate_limit_default": "2/second"})


@contextmanager
def signed_in(setup: Setup, statuses: list[int], max_retries: int = 2) -> Iterator[Client]:
    http = httpx.Client(event_hooks={"response": [lambda r: statuses.append(r.status_code)]})
    with http:
        session = Client(setup.url, setup.project_id, http_client=http, max_retries=max_retries)
        session.auth.sign_up("waiter@example.com", PASSWORD, username="waiter")
        statuses.clear()
        yield session


async def test_a_429_is_waited_out(setup: Setup) -> None:
    statuses: list[int] = []
    with signed_in(setup, statuses) as session:
        counts = [session.connections.my_count() for _ in range(4)]
    assert counts == [0, 0, 0, 0]
    assert 429 in statuses and statuses[-1] == 200


async def test_rate_limited_says_how_long_to_wait(setup: Setup) -> None:
    statuses: list[int] = []
    limited_calls = pytest.raises(mutuals_client.RateLimited)
    with signed_in(setup, statuses, max_retries=0) as session, limited_calls as limited:
        for _ in range(5):
            session.follows.my_followers_count()
    assert limited.value.code == "rate-limit/exceeded"
    assert limited.value.retry_after is not None and 0 < limited.value.retry_after <= 1
    assert statuses[-1] == 429 and statuses.count(429) == 1


async def test_unavailable_is_retried_then_raised_and_recovers(
    settings: Settings, app: FastAPI, client: httpx.AsyncClient
) -> None:
    if not settings.database_url.startswith("postgresql"):
        pytest.skip("the outage is staged on the network path to PostgreSQL")
    project = await ProjectFactory.create(app, client)
    proxy = CuttableProxy("127.0.0.1", urlsplit(settings.database_url).port or 5432)
    await proxy.start()
    netloc = urlsplit(settings.database_url).netloc
    proxied = settings.database_url.replace(netloc, f"127.0.0.1:{proxy.port}", 1)
    overrides = {
        "database_url": proxied,
        "database_connect_timeout_seconds": 1.0,
        "database_statement_timeout_seconds": 1.0,
        "database_pool_size": 2,
        "database_max_overflow": 0,
    }
    statuses: list[int] = []
    restore_on_503 = False

    async def watch(response: httpx.Response) -> None:
        statuses.append(response.status_code)
        if response.status_code == 503 and restore_on_503:
            proxy.restore()

    try:
        async with running_app(settings.model_copy(update=overrides)) as outage_app:
            http = httpx.AsyncClient(
                transport=httpx.ASGITransport(app=outage_app), event_hooks={"response": [watch]}
            )
            service = AsyncClient(
                "http://outage.test", project.id, service_key=project.service_key, http_client=http
            )
            async with http:
                ada = await new_user_async(service)
                proxy.cut()
                statuses.clear()
                with pytest.raises(mutuals_client.Unavailable) as down:
                    await service.acting_as(ada.id).connections.my_count()
                assert statuses == [503, 503, 503]
                assert down.value.code == "server/unavailable"

                # The database comes back while the client waits: the call succeeds.
                restore_on_503 = True
                statuses.clear()
                assert await service.acting_as(ada.id).connections.my_count() == 0
                assert statuses[0] == 503 and statuses[-1] == 200
    finally:
        await proxy.stop()
