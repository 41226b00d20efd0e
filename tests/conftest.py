"""Every database-touching test runs on SQLite and on PostgreSQL.

Isolation comes from projects: each test works in a project of its own, and all data is
scoped by project, so tests share one migrated database per backend without seeing each
other's rows.
"""

import logging
import sys
from collections.abc import AsyncIterator, Iterator

import httpx
import pytest
from fastapi import FastAPI

from mutuals.config import Settings
from tests import log_scan
from tests.apps import asgi_client, running_app
from tests.connection_budget import PeakSampler
from tests.databases import SESSION_POOL, migrated_database
from tests.factories import ProjectFactory
from tests.live_server import live_server


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def database_url(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    with migrated_database(request.param, tmp_path_factory.mktemp(request.param)) as url:
        yield url


@pytest.fixture(scope="session")
def settings(database_url: str) -> Settings:
    return Settings(
        database_url=database_url,
        secret_key="test-signing-secret-that-is-long-enough-0123456789",
        rate_limits="off",
        # Tests that deliver webhooks run a dispatcher of their own (tests/webhooks).
        webhook_dispatcher=False,
        **SESSION_POOL,
    )


@pytest.fixture(scope="session")
async def app(settings: Settings) -> AsyncIterator[FastAPI]:
    async with running_app(settings) as application:
        yield application


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async with asgi_client(app) as http:
        yield http


@pytest.fixture
async def project(app: FastAPI, client: httpx.AsyncClient) -> ProjectFactory:
    return await ProjectFactory.create(app, client)


# Parallel requests against a served instance: one per test module at most, so the
# suite's PostgreSQL connections stay within the budget of tests/databases.py.
LIVE_PARALLEL = 100


@pytest.fixture(scope="module")
def live_url(settings: Settings) -> Iterator[str]:
    with live_server(settings) as url:
        yield url


@pytest.fixture
async def live(live_url: str) -> AsyncIterator[httpx.AsyncClient]:
    limits = httpx.Limits(max_connections=LIVE_PARALLEL, max_keepalive_connections=LIVE_PARALLEL)
    async with httpx.AsyncClient(base_url=live_url, limits=limits, timeout=60) as http:
        yield http


@pytest.fixture(params=["sqlite", "postgresql"])
def backend_name(request: pytest.FixtureRequest) -> str:
    """For tests that build a database of their own rather than share the session's."""
    backend: str = request.param
    return backend


PEAK = PeakSampler()

# What `make check` leaves to `make test`: tests that serve the app in processes of their own
# (a live server, the CLI, a browser, the benchmarks) or that run for long by design.
SERVED_FIXTURES = frozenset({"live", "live_url"})
SERVED_FOLDERS = frozenset({"bench", "browsers", "cli"})
SERVED_MODULES = frozenset(
    {
        "test_processes.py",
        "test_soak.py",
        "test_fuzz.py",
        "test_dependency_outages.py",
        "test_outage.py",
        "test_deploy_guide.py",
        "test_lifecycle_machine.py",
        "test_unicode.py",
        "test_client_install.py",
        "test_workers.py",
        "test_shutdown.py",
    }
)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        fixtures = set(getattr(item, "fixturenames", ()))
        if (
            fixtures & SERVED_FIXTURES
            or item.path.parent.name in SERVED_FOLDERS
            or item.path.name in SERVED_MODULES
        ):
            item.add_marker(pytest.mark.served)


def pytest_sessionstart(session: pytest.Session) -> None:
    PEAK.start()
    root = logging.getLogger()
    root.addHandler(log_scan.HANDLER)
    root.setLevel(logging.DEBUG)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    peak = PEAK.stop()
    if peak is not None:
        sys.stderr.write(f"\n{peak}\n")
        if not peak.within_budget:
            session.exitstatus = pytest.ExitCode.TESTS_FAILED
    found = log_scan.leaks()
    if found:
        sys.stderr.write(
            f"\n{len(found)} secret(s) reached the logs "
            f"({len(log_scan.HANDLER.lines)} records scanned):\n" + "\n".join(found[:20]) + "\n"
        )
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
    else:
        sys.stderr.write(
            f"\nlog scan: {len(log_scan.HANDLER.lines)} records, "
            f"{log_scan.secrets_count()} secrets, none leaked\n"
        )
