"""Public read endpoints are served by the read replica when one is configured."""

import uuid
from collections.abc import AsyncIterator

import asyncpg
import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy.engine import make_url

from mutuals.app import create_app
from mutuals.config import Settings
from mutuals.projects.service_keys import list_service_keys
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


@pytest.fixture
async def read_only_replica_app(settings: Settings) -> AsyncIterator[FastAPI]:
    """The session's database seen through a role whose every transaction is read-only,
    as a hot standby is."""
    if not settings.database_url.startswith("postgresql"):
        pytest.skip("read replicas are a PostgreSQL deployment")
    role = f"replica_reader_{uuid.uuid4().hex[:8]}"
    admin = await asyncpg.connect(settings.database_url.replace("+asyncpg", ""))
    try:
        await admin.execute(f"CREATE ROLE {role} LOGIN")
        await admin.execute(f"GRANT SELECT ON ALL TABLES IN SCHEMA public TO {role}")
        await admin.execute(f"ALTER ROLE {role} SET default_transaction_read_only = on")
        primary = make_url(settings.database_url)
        replica_url = primary.set(username=role).render_as_string(hide_password=False)
        app = create_app(settings.model_copy(update={"read_database_url": replica_url}))
        async with app.router.lifespan_context(app):
            yield app
    finally:
        await admin.execute(f"REVOKE ALL ON ALL TABLES IN SCHEMA public FROM {role}")
        await admin.execute(f"DROP ROLE IF EXISTS {role}")
        await admin.close()


async def test_a_service_key_is_accepted_on_a_read_only_replica(
    read_only_replica_app: FastAPI,
) -> None:
    # The key's last use cannot be written on the replica: it is recorded on the primary.
    app = read_only_replica_app
    client = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://r")
    project = await ProjectFactory.create(app, client)
    ada = await project.user()
    answered = await project.call(
        "GET", f"/users/{ada.id}/connections-count", headers=project.service_auth
    )
    assert_json(answered, 200, {"count": 0})
    async with app.state.database.transaction(write=False) as connection:
        [key] = await list_service_keys(connection, uuid.UUID(project.id))
    assert key["lastUsedAt"] is not None
    await client.aclose()
