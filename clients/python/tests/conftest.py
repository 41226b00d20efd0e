"""The client's tests run against a real served instance of this repository's server, on
SQLite and PostgreSQL, with the fixtures of the server's own suite (tests/conftest.py)."""

from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass

import httpx
import pytest
from fastapi import FastAPI
from mutuals_client import AsyncClient, Client

from mutuals.config import Settings
from tests.conftest import app, client, database_url, settings
from tests.factories import ProjectFactory
from tests.live_server import live_server

__all__ = ["app", "client", "database_url", "settings"]


@pytest.fixture(scope="module")
def served_settings(settings: Settings) -> Settings:
    # The served instance runs its own webhook dispatcher, delivering to the test's
    # loopback receiver, and retries within a second.
    return settings.model_copy(
        update={
            "webhook_dispatcher": True,
            "webhooks_allow_private": True,
            "webhook_retry_delays": "0.2,0.4",
            "webhook_timeout_seconds": 2.0,
        }
    )


@pytest.fixture(scope="module")
def server_url(served_settings: Settings) -> Iterator[str]:
    with live_server(served_settings) as url:
        yield url


@dataclass
class Setup:
    """A project of the test's own on the served instance, and how to reach it."""

    url: str
    project: ProjectFactory

    @property
    def project_id(self) -> str:
        return self.project.id

    def service(self, http: httpx.Client | None = None) -> Client:
        return Client(
            self.url, self.project.id, service_key=self.project.service_key, http_client=http
        )

    def async_service(self, http: httpx.AsyncClient | None = None) -> AsyncClient:
        key = self.project.service_key
        return AsyncClient(self.url, self.project.id, service_key=key, http_client=http)

    def anonymous(self, http: httpx.Client | None = None) -> Client:
        """A client that signs in as a user (its session keeps the tokens)."""
        return Client(self.url, self.project.id, http_client=http)


@pytest.fixture
async def setup(server_url: str, app: FastAPI, client: httpx.AsyncClient) -> Setup:
    return Setup(server_url, await ProjectFactory.create(app, client))


@pytest.fixture
def service(setup: Setup) -> Iterator[Client]:
    with setup.service() as service_client:
        yield service_client


@pytest.fixture
async def async_service(setup: Setup) -> AsyncIterator[AsyncClient]:
    async with setup.async_service() as service_client:
        yield service_client
