"""An app whose webhooks may point at the test's own loopback receiver, with retries in
fractions of a second, and a dispatcher the test drives."""

from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import FastAPI

from mutuals.config import Settings
from mutuals.webhooks.dispatcher import Dispatcher
from tests.apps import asgi_client, running_app
from tests.factories import ProjectFactory

# Small pools: this app lives beside the session's (tests/databases.py budget).
HOOK_POOL = {"database_pool_size": 2, "database_max_overflow": 2}


@pytest.fixture(scope="module")
def hook_settings(settings: Settings) -> Settings:
    return settings.model_copy(
        update={
            "webhooks_allow_private": True,
            "webhook_retry_delays": "0.2,0.4",
            "webhook_timeout_seconds": 2.0,
            **HOOK_POOL,
        }
    )


@pytest.fixture(scope="module")
async def hook_app(hook_settings: Settings) -> AsyncIterator[FastAPI]:
    async with running_app(hook_settings) as application:
        yield application


@pytest.fixture
async def hook_client(hook_app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async with asgi_client(hook_app) as http:
        yield http


@pytest.fixture
async def hook_project(
    hook_app: FastAPI, hook_client: httpx.AsyncClient
) -> AsyncIterator[ProjectFactory]:
    project = await ProjectFactory.create(hook_app, hook_client)
    yield project
    # Nothing of this test is left for the next one's dispatcher to deliver.
    listed = await project.call("GET", "/webhooks?limit=100", headers=project.service_auth)
    for webhook in listed.json()["data"]:
        await project.call("DELETE", f"/webhooks/{webhook['id']}", headers=project.service_auth)


def make_dispatcher(app: FastAPI, settings: Settings) -> Dispatcher:
    return Dispatcher(app.state.database, settings, app.state.webhook_box)


@pytest.fixture
async def dispatcher(hook_app: FastAPI, hook_settings: Settings) -> AsyncIterator[Dispatcher]:
    running = make_dispatcher(hook_app, hook_settings)
    yield running
    await running.close()
