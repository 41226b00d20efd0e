"""SIGTERM during a burst: in-flight requests finish whole, and the process exits 0."""

import asyncio
import json
import signal
from collections import Counter

import httpx

from mutuals.config import Settings
from tests.factories import Member, ProjectFactory
from tests.serving import ServedProcess


async def test_sigterm_drains_in_flight_requests(
    project: ProjectFactory, settings: Settings
) -> None:
    users = [await project.user() for _ in range(16)]
    assert settings.secret_key is not None
    env = {
        "MUTUALS_DATABASE_URL": settings.database_url,
        "MUTUALS_SECRET_KEY": settings.secret_key.get_secret_value(),
        "MUTUALS_RATE_LIMITS": "off",
    }
    statuses: Counter[int] = Counter()
    failures: list[str] = []

    async def client_loop(http: httpx.AsyncClient, me: Member) -> None:
        for other in users * 4:
            try:
                response = await http.post(
                    f"{project.base}/users/{other.id}/connection", headers=me.auth, json={}
                )
                json.loads(response.content)  # a complete body, or this raises
                statuses[response.status_code] += 1
            except httpx.ConnectError:
                return  # the server stopped listening: this request was never accepted
            except httpx.RemoteProtocolError as exc:
                if "without sending a response" in str(exc) or "disconnected" in str(exc):
                    return  # closed before this request was read: no response at all
                failures.append(f"{type(exc).__name__}: {exc}")
                return
            except (httpx.ReadError, httpx.WriteError):
                return  # an idle keep-alive connection closed under us, nothing received
            except ValueError as exc:
                failures.append(f"incomplete or invalid body: {exc}")
                return

    with ServedProcess(env) as server:
        async with httpx.AsyncClient(base_url=server.base, timeout=30) as http:
            loops = [asyncio.ensure_future(client_loop(http, me)) for me in users]
            await asyncio.sleep(0.5)
            assert sum(statuses.values()) > 0, "no traffic before the signal"
            server.process.send_signal(signal.SIGTERM)
            await asyncio.gather(*loops)
        returncode = await asyncio.to_thread(server.stop)
    assert failures == []
    assert returncode == 0, server.log
    assert set(statuses) <= {201, 400, 409}, statuses  # 400: asking oneself
    assert "Traceback" not in server.log
