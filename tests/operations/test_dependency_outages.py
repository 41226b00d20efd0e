"""Outages of any dependency degrade, never 500 (API.md §5): a database that stops answering,
refuses connections, runs out of pool, or cancels a statement past its timeout answers a
bounded 503 with Retry-After and a log line an operator can act on; a shared rate-limit
store that goes away leaves limits per process until it is back."""

import asyncio
import logging
import shutil
import subprocess
import time
import uuid
from collections import Counter
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager

import asyncpg
import httpx
import pytest
import redis
from prometheus_client import REGISTRY

from mutuals.app import create_app
from mutuals.config import Settings
from mutuals.kit.db.database import Database
from tests.databases import in_ci
from tests.factories import ProjectFactory
from tests.serving import free_port
from tests.tcp_proxy import CuttableProxy

UNAVAILABLE = {"error": "Service temporarily unavailable.", "code": "server/unavailable"}
TIMEOUT = 1.0


def postgres_only(settings: Settings) -> None:
    if not settings.database_url.startswith("postgresql"):
        pytest.skip("staged on PostgreSQL: SQLite has no server to lose")


def asyncpg_dsn(settings: Settings, user: str = "postgres") -> str:
    database = settings.database_url.rsplit("/", 1)[1]
    return f"postgresql://{user}@127.0.0.1:5432/{database}"


@asynccontextmanager
async def served(settings: Settings, **overrides: object) -> AsyncIterator[httpx.AsyncClient]:
    """An app of its own (its own pool and timeouts) on the session's database."""
    app = create_app(settings.model_copy(update=overrides))
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://outage") as http:
            http.app = app  # type: ignore[attr-defined]
            yield http


def assert_unavailable(response: httpx.Response, started: float, bound: float) -> None:
    assert response.status_code == 503, response.text
    assert response.json() == UNAVAILABLE
    assert response.headers["retry-after"] == "1"
    elapsed = time.monotonic() - started
    assert elapsed < bound, f"503 after {elapsed:.2f}s, bound {bound}s"


async def test_a_database_that_stops_answering(project: ProjectFactory, settings: Settings) -> None:
    postgres_only(settings)
    ada, bob = await project.user(), await project.user()
    proxy = CuttableProxy("127.0.0.1", 5432)
    await proxy.start()
    url = settings.database_url.replace("127.0.0.1:5432", f"127.0.0.1:{proxy.port}")
    overrides = {
        "database_url": url,
        "database_connect_timeout_seconds": TIMEOUT,
        "database_statement_timeout_seconds": TIMEOUT,
        "database_pool_size": 2,
        "database_max_overflow": 0,
    }
    status_path = f"{project.base}/users/{bob.id}/connection"
    try:
        async with served(settings, **overrides) as http:
            assert (await http.get(status_path, headers=ada.auth)).status_code == 200
            proxy.stall()  # accepts connections, and pooled ones stay open, but nothing flows
            for _ in range(4):
                started = time.monotonic()
                response = await http.get(status_path, headers=ada.auth)
                assert_unavailable(response, started, TIMEOUT + 1)
                started = time.monotonic()
                response = await http.post(
                    f"{project.base}/users/{bob.id}/connection", headers=ada.auth, json={}
                )
                assert_unavailable(response, started, TIMEOUT + 1)
            started = time.monotonic()
            assert (await http.get("/readyz")).status_code == 503
            assert time.monotonic() - started < TIMEOUT + 1
            proxy.resume()
            response = await http.get(status_path, headers=ada.auth)
            assert response.status_code == 200, response.text
            assert response.json() == {"status": "none"}
    finally:
        await proxy.stop()


async def test_statement_timeout_is_a_logged_503(
    project: ProjectFactory, settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    postgres_only(settings)
    ada, bob = await project.user(), await project.user()
    blocker = await asyncpg.connect(asyncpg_dsn(settings))
    try:
        async with served(settings, database_statement_timeout_seconds=TIMEOUT) as http:
            transaction = blocker.transaction()
            await transaction.start()
            await blocker.execute("LOCK TABLE connections IN ACCESS EXCLUSIVE MODE")
            started = time.monotonic()
            with caplog.at_level(logging.WARNING, logger="mutuals.errors"):
                response = await http.post(
                    f"{project.base}/users/{bob.id}/connection",
                    headers={**ada.auth, "X-Request-Id": "timeout-probe-1"},
                    json={},
                )
            assert_unavailable(response, started, TIMEOUT + 1.5)
            await transaction.rollback()
            lines = [r.getMessage() for r in caplog.records if "timeout-probe-1" in r.getMessage()]
            assert len(lines) == 1, lines
            assert "/users/{userId}/connection error=" in lines[0]
            assert "QueryCanceledError" in lines[0]
            assert "sqlstate 57014" in lines[0]
            assert ada.token not in lines[0]
            retried = await http.post(
                f"{project.base}/users/{bob.id}/connection", headers=ada.auth, json={}
            )
            assert retried.status_code == 201, retried.text
    finally:
        await blocker.close()


@asynccontextmanager
async def limited_role(settings: Settings, limit: int) -> AsyncIterator[str]:
    """A login role that may hold only `limit` connections: exhausting it is exhausting the
    server's connections as far as the service can tell, without starving anyone else."""
    role = f"mutuals_limited_{uuid.uuid4().hex[:8]}"

    async def admin(*statements: str) -> None:
        connection = await asyncpg.connect(asyncpg_dsn(settings))
        try:
            for statement in statements:
                await connection.execute(statement)
        finally:
            await connection.close()

    await admin(
        f"CREATE ROLE {role} LOGIN CONNECTION LIMIT {limit}",
        f"GRANT ALL ON ALL TABLES IN SCHEMA public TO {role}",
    )
    try:
        yield role
    finally:
        await admin(f"DROP OWNED BY {role}", f"DROP ROLE {role}")


async def test_refused_connections_and_an_exhausted_pool(
    project: ProjectFactory, settings: Settings
) -> None:
    postgres_only(settings)
    ada, bob = await project.user(), await project.user()
    status_path = f"{project.base}/users/{bob.id}/connection"
    async with limited_role(settings, limit=1) as role:
        url = settings.database_url.replace("postgres@", f"{role}@")
        overrides = {
            "database_url": url,
            "database_connect_timeout_seconds": TIMEOUT,
            "database_pool_size": 1,
            "database_max_overflow": 0,
        }
        async with served(settings, **overrides) as http:
            # Someone else holds the role's only connection: "too many connections".
            squatter = await asyncpg.connect(asyncpg_dsn(settings, role))
            for _ in range(3):
                started = time.monotonic()
                assert_unavailable(await http.get(status_path, headers=ada.auth), started, 2)
            await squatter.close()
            assert (await http.get(status_path, headers=ada.auth)).status_code == 200

            # The pool's only connection is busy: the wait for it is bounded too.
            database: Database = http.app.state.database  # type: ignore[attr-defined]
            async with database.write_engine.connect() as held:
                await held.exec_driver_sql("SELECT 1")
                started = time.monotonic()
                response = await http.get(status_path, headers=ada.auth)
                assert_unavailable(response, started, TIMEOUT + 1)
            assert (await http.get(status_path, headers=ada.auth)).status_code == 200


class RedisServer:
    """A redis-server of the test's own, on its own port, that the test stops and starts."""

    def __init__(self) -> None:
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        binary = shutil.which("redis-server")
        assert binary is not None
        self.process = subprocess.Popen(  # noqa: S603 - Debian's redis-server
            [
                binary,
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        client = redis.Redis.from_url(self.url, socket_connect_timeout=0.2)
        deadline = time.monotonic() + 10
        while True:
            try:
                client.ping()
                return
            except redis.RedisError:
                assert time.monotonic() < deadline, "redis-server did not start"
                time.sleep(0.05)

    def stop(self) -> None:
        if self.process is not None:
            self.process.kill()
            self.process.wait(timeout=10)
            self.process = None

    def keys(self) -> list[bytes]:
        return list(redis.Redis.from_url(self.url).keys("*"))


@pytest.fixture
def redis_server() -> Iterator[RedisServer]:
    if shutil.which("redis-server") is None:
        if in_ci():
            pytest.fail("redis-server must be installed in CI")
        pytest.skip("redis-server is not installed")
    server = RedisServer()
    server.start()
    yield server
    server.stop()


def fallbacks() -> float:
    return REGISTRY.get_sample_value("mutuals_rate_limit_store_fallbacks_total") or 0.0


async def test_rate_limit_store_outage_degrades_then_recovers(
    project: ProjectFactory,
    settings: Settings,
    redis_server: RedisServer,
    caplog: pytest.LogCaptureFixture,
) -> None:
    ada = await project.user()
    overrides = {
        "rate_limits": "on",
        "redis_url": redis_server.url,
        "rate_limit_default": "1000/5minutes",
    }
    statuses: Counter[int] = Counter()
    async with served(settings, **overrides) as http:

        async def traffic(rounds: int) -> None:
            for _ in range(rounds):
                response = await http.get(f"{project.base}/connections/count", headers=ada.auth)
                statuses[response.status_code] += 1
                assert "ratelimit-limit" in response.headers

        await traffic(5)
        assert (await http.get("/readyz")).json() == {"status": "ready", "rateLimitStore": "shared"}
        assert redis_server.keys(), "limits are counted in the shared store"

        before = fallbacks()
        redis_server.stop()
        with caplog.at_level(logging.WARNING, logger="mutuals.ratelimit"):
            started = time.monotonic()
            await traffic(50)
            assert time.monotonic() - started < 5, "a dead store must not stall requests"
            ready = await http.get("/readyz")
        assert ready.status_code == 200
        assert ready.json() == {"status": "ready", "rateLimitStore": "degraded"}
        warnings = [r for r in caplog.records if "rate-limit store unreachable" in r.getMessage()]
        assert len(warnings) == 1, "warned at most once a minute"
        assert fallbacks() > before

        redis_server.start()  # same port, empty
        deadline = time.monotonic() + 10
        while (await http.get("/readyz")).json()["rateLimitStore"] != "shared":
            assert time.monotonic() < deadline, "the shared store was not used again"
            await asyncio.sleep(0.2)
        await traffic(5)
        assert redis_server.keys(), "back on the shared store without a restart"
    assert set(statuses) == {200}, statuses
