"""A bounded concurrent soak on PostgreSQL, then the graph's invariants checked in SQL.

20,000 random connection operations from 32 concurrent clients among 50 users, through a
live server. Afterwards: one record per pair, no self-connections, every accepted record
has respondedAt, counters equal to records, and exactly one notification per answered
request and per answered accept. No 5xx at any point.
"""

import asyncio
import random
import time
from collections import Counter
from collections.abc import Iterator

import httpx
import pytest

from mutuals.config import Settings
from mutuals.kit.db.database import Database
from tests.factories import Member, ProjectFactory
from tests.invariants import graph_problems, notification_counts
from tests.serving import ServedProcess

OPERATIONS = 20_000
CLIENTS = 32
USERS = 50


@pytest.fixture(scope="module")
def soak_server(settings: Settings) -> Iterator[str]:
    if not settings.database_url.startswith("postgresql"):
        pytest.skip("the soak runs on PostgreSQL, where transactions really run in parallel")
    assert settings.secret_key is not None
    env = {
        "MUTUALS_DATABASE_URL": settings.database_url,
        "MUTUALS_SECRET_KEY": settings.secret_key.get_secret_value(),
        "MUTUALS_RATE_LIMITS": "off",
    }
    # Its own process, so the server and this load generator each get a core.
    with ServedProcess(env) as server:
        yield server.base


async def test_soak_keeps_the_graph_sound(project: ProjectFactory, soak_server: str) -> None:
    users = [await project.user() for _ in range(USERS)]
    known: dict[str, tuple[Member, Member]] = {}  # connection id -> (requester, receiver)
    outcomes: Counter[str] = Counter()
    rng = random.Random(20_000)

    async def operate(http: httpx.AsyncClient, me: Member, other: Member) -> None:
        base = project.base
        kind = rng.choice(
            ["request", "request", "accept", "decline", "remove-id", "remove-user", "status"]
        )
        if kind == "request":
            response = await http.post(
                f"{base}/users/{other.id}/connection", headers=me.auth, json={}
            )
            if response.status_code == 201:
                known[response.json()["id"]] = (me, other)
        elif kind in ("accept", "decline") and known:
            # Mostly the receiver (the one allowed), sometimes anyone: both must hold.
            target = rng.choice(list(known))
            caller = known[target][1] if rng.random() < 0.7 else me
            response = await http.patch(f"{base}/connections/{target}/{kind}", headers=caller.auth)
        elif kind == "remove-id" and known:
            target = rng.choice(list(known))
            caller = rng.choice(known[target]) if rng.random() < 0.7 else me
            response = await http.delete(f"{base}/connections/{target}", headers=caller.auth)
        elif kind == "remove-user":
            response = await http.delete(f"{base}/users/{other.id}/connection", headers=me.auth)
        else:
            kind = "status"
            response = await http.get(f"{base}/users/{other.id}/connection", headers=me.auth)
        # A withdrawal takes its unread request notification with it (API.md §4).
        withdrawn = "Connection request withdrawn successfully."
        if kind.startswith("remove") and response.status_code == 200:
            kind = "withdraw" if response.json().get("message") == withdrawn else kind
        outcomes[f"{kind} {response.status_code}"] += 1

    async def client(http: httpx.AsyncClient, count: int) -> None:
        for _ in range(count):
            me, other = rng.sample(users, 2)
            await operate(http, me, other)

    started = time.perf_counter()
    limits = httpx.Limits(max_connections=CLIENTS, max_keepalive_connections=CLIENTS)
    async with httpx.AsyncClient(base_url=soak_server, limits=limits, timeout=60) as http:
        await asyncio.gather(*(client(http, OPERATIONS // CLIENTS) for _ in range(CLIENTS)))
    elapsed = time.perf_counter() - started

    total = sum(outcomes.values())
    conflicts = sum(n for key, n in outcomes.items() if key.endswith((" 409", " 404", " 403")))
    print(  # noqa: T201 - the soak reports its figures
        f"\nsoak: {total} operations in {elapsed:.1f}s ({total / elapsed:.0f}/s), "
        f"{conflicts} answered 409/404/403; "
        + ", ".join(f"{k}: {v}" for k, v in sorted(outcomes.items()))
    )
    assert total == OPERATIONS // CLIENTS * CLIENTS
    assert not [key for key in outcomes if key.split()[1].startswith("5")], outcomes

    database: Database = project.app.state.database
    assert await graph_problems(database, project.id) == []
    notifications = await notification_counts(database, project.id)
    # No notification is ever read here, so each withdrawal removed exactly one.
    assert notifications.get("connection-request", 0) == (
        outcomes["request 201"] - outcomes["withdraw 200"]
    )
    assert outcomes["withdraw 200"] > 0
    assert notifications.get("connection-accepted", 0) == outcomes["accept 200"]
