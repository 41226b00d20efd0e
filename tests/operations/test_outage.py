"""Database outages: 503 while PostgreSQL is unreachable, recovery without a restart,
and nothing half-written by requests the cut interrupted."""

import asyncio
import time
import uuid
from collections import Counter
from collections.abc import AsyncIterator

import httpx
import pytest
from sqlalchemy import text

from mutuals.config import Settings
from mutuals.kit.db.database import Database
from tests.factories import Member, ProjectFactory
from tests.invariants import graph_problems
from tests.live_server import live_server
from tests.tcp_proxy import CuttableProxy

UNAVAILABLE = {"error": "Service temporarily unavailable.", "code": "server/unavailable"}


@pytest.fixture
async def proxy(settings: Settings) -> AsyncIterator[CuttableProxy]:
    if not settings.database_url.startswith("postgresql"):
        pytest.skip("the outage is staged on the network path to PostgreSQL")
    cuttable = CuttableProxy("127.0.0.1", 5432)
    await cuttable.start()
    yield cuttable
    await cuttable.stop()


@pytest.fixture
async def proxied_url(settings: Settings, proxy: CuttableProxy) -> AsyncIterator[str]:
    url = settings.database_url.replace("127.0.0.1:5432", f"127.0.0.1:{proxy.port}")
    proxied = settings.model_copy(
        update={"database_url": url, "database_connect_timeout_seconds": 2.0}
    )
    # Started and stopped from threads: the proxy lives on this event loop and must keep
    # forwarding while the server closes its database connections.
    server = live_server(proxied)
    base = await asyncio.to_thread(server.__enter__)
    yield base
    await asyncio.to_thread(server.__exit__, None, None, None)


async def test_cut_answers_503_then_recovers(
    project: ProjectFactory, proxy: CuttableProxy, proxied_url: str
) -> None:
    ada, bob = await project.user(), await project.user()
    async with httpx.AsyncClient(base_url=proxied_url, timeout=30) as http:
        status_path = f"{project.base}/users/{bob.id}/connection"
        assert (await http.get(status_path, headers=ada.auth)).status_code == 200

        proxy.cut()
        for _ in range(5):
            started = time.monotonic()
            response = await http.get(status_path, headers=ada.auth)
            assert response.status_code == 503, response.text
            assert response.json() == UNAVAILABLE
            assert time.monotonic() - started < 5
        ready = await http.get("/readyz")
        assert ready.status_code == 503
        assert (await http.get("/healthz")).status_code == 200

        proxy.restore()
        deadline = time.monotonic() + 10
        while (await http.get("/readyz")).status_code != 200:
            assert time.monotonic() < deadline, "did not recover"
            await asyncio.sleep(0.1)
        response = await http.get(status_path, headers=ada.auth)
        assert response.status_code == 200
        assert response.json() == {"status": "none"}


async def test_cut_mid_traffic_leaves_no_half_written_state(
    project: ProjectFactory, proxy: CuttableProxy, proxied_url: str
) -> None:
    users = [await project.user() for _ in range(12)]
    statuses: Counter[int] = Counter()

    async def traffic(http: httpx.AsyncClient, me: Member, others: list[Member]) -> None:
        for other in others:
            created = await http.post(
                f"{project.base}/users/{other.id}/connection", headers=me.auth, json={}
            )
            statuses[created.status_code] += 1
            if created.status_code == 201:
                accepted = await http.patch(
                    f"{project.base}/connections/{created.json()['id']}/accept",
                    headers=other.auth,
                )
                statuses[accepted.status_code] += 1

    async def outages() -> None:
        for _ in range(3):
            await asyncio.sleep(0.15)
            proxy.cut()
            await asyncio.sleep(0.3)
            proxy.restore()

    async with httpx.AsyncClient(base_url=proxied_url, timeout=30) as http:
        await asyncio.gather(
            outages(),
            *(traffic(http, me, users[index + 1 :]) for index, me in enumerate(users)),
        )
    assert 500 not in statuses
    assert set(statuses) <= {200, 201, 409, 503}, statuses
    assert statuses[503] > 0, "the cuts never hit a request"

    database: Database = project.app.state.database
    assert await graph_problems(database, project.id) == []
    async with database.transaction(write=False) as connection:
        # A committed request always has its notification, and a rolled back one never.
        orphans = await connection.execute(
            text(
                "SELECT c.id FROM connections c WHERE c.project_id = :pid AND NOT EXISTS ("
                " SELECT 1 FROM app_notifications n WHERE n.project_id = c.project_id"
                " AND n.type = 'connection-request'"
                " AND n.metadata->>'connectionId' = c.id::text)"
            ),
            {"pid": uuid.UUID(project.id)},
        )
        assert orphans.all() == []
