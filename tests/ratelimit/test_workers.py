"""Limits hold across worker processes when they share Redis."""

import asyncio
import json
import os
import uuid
from collections import Counter

import httpx
import pytest

from mutuals.config import Settings
from tests.databases import in_ci
from tests.factories import ProjectFactory
from tests.serving import ServedProcess

REDIS_URL = os.environ.get("MUTUALS_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
LIMIT = 20
ATTEMPTS = 60


def redis_problem() -> str | None:
    import redis  # noqa: PLC0415

    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2).ping()
    except redis.RedisError as exc:
        return str(exc)
    return None


def server_env(settings: Settings, **extra: str) -> dict[str, str]:
    assert settings.secret_key is not None
    return {
        "MUTUALS_DATABASE_URL": settings.database_url,
        "MUTUALS_SECRET_KEY": settings.secret_key.get_secret_value(),
        "MUTUALS_RATE_LIMITS": "on",
        "MUTUALS_RATE_LIMIT_CONNECTION_CHANGE": f"{LIMIT}/5minutes",
        **extra,
    }


async def burst(base: str, project: ProjectFactory, token: str) -> Counter[int]:
    # No keep-alive: every request opens its own connection, so the kernel spreads them
    # over the worker processes.
    limits = httpx.Limits(max_keepalive_connections=0)
    async with httpx.AsyncClient(base_url=base, limits=limits, timeout=30) as http:
        responses = await asyncio.gather(
            *(
                http.delete(
                    f"{project.base}/connections/{uuid.uuid4()}",
                    headers={"Authorization": f"Bearer {token}"},
                )
                for _ in range(ATTEMPTS)
            )
        )
    return Counter(response.status_code for response in responses)


def workers_that_answered(log: str) -> set[int]:
    pids = set()
    for line in log.splitlines():
        if line.startswith("{") and '"message": "request"' in line:
            pids.add(json.loads(line)["pid"])
    return pids


async def test_two_workers_share_one_allowance_through_redis(
    project: ProjectFactory, settings: Settings
) -> None:
    problem = redis_problem()
    if problem is not None:
        if in_ci():
            pytest.fail(f"Redis must be reachable in CI ({REDIS_URL}): {problem}")
        pytest.skip(f"Redis not reachable at {REDIS_URL}: {problem}")

    env = server_env(settings, MUTUALS_REDIS_URL=REDIS_URL)
    with ServedProcess(env, "--workers", "2") as server:
        # The kernel decides which worker accepts each connection; a burst that happens to
        # land on one worker proves nothing, so try again (in a fresh project) until both
        # workers took part, a few times at most.
        for _ in range(5):
            scoped = await ProjectFactory.create(project.app, project.client)
            ada = await scoped.user()
            seen = len(server.output_so_far())
            outcome = await burst(server.base, scoped, ada.token)
            if len(workers_that_answered(server.output_so_far()[seen:])) == 2:
                break
        else:
            pytest.fail("no burst reached both workers")
    assert server.returncode == 0, server.log
    assert outcome == {404: LIMIT, 429: ATTEMPTS - LIMIT}
