"""Public read endpoints are served by the read replica when one is configured."""

from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import FastAPI

from mutuals.app import create_app
from mutuals.config import Settings
from tests.assertions import assert_error, assert_json
from tests.factories import ProjectFactory


@pytest.fixture
async def replica_app(settings: Settings) -> AsyncIterator[FastAPI]:
    if not settings.database_url.startswith("postgresql"):
        pytest.skip("read replicas are a PostgreSQL deployment")
    # A replica that cannot be reached shows exactly which requests go to it.
    app = create_app(
        settings.model_copy(
            update={
                "read_database_url": "postgresql+asyncpg://postgres@127.0.0.1:9/none",
                "database_connect_timeout_seconds": 2.0,
            }
        )
    )
    async with app.router.lifespan_context(app):
        yield app


async def test_public_lists_read_from_the_replica(replica_app: FastAPI) -> None:
    client = httpx.AsyncClient(transport=httpx.ASGITransport(app=replica_app), base_url="http://r")
    project = await ProjectFactory.create(replica_app, client)
    ada, bob = await project.user(), await project.user()
    assert_error(
        await project.call("GET", f"/users/{ada.id}/connections"), 503, "server/unavailable"
    )
    assert_error(
        await project.call("GET", f"/users/{ada.id}/connections-count"), 503, "server/unavailable"
    )
    # Everything else, reads included, stays on the primary.
    assert_json(await project.call("GET", "/connections/count", ada), 200, {"count": 0})
    assert_json(
        await project.call("GET", f"/users/{bob.id}/connection", ada), 200, {"status": "none"}
    )
    created = await project.call("POST", f"/users/{bob.id}/connection", ada, json={})
    assert created.status_code == 201
    await client.aclose()
