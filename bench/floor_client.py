"""The write floor: the write cycle's transactions (request, accept, remove) run straight
through asyncpg, one pool connection per pair of users, at the writer's concurrency and
without HTTP; the same statements as the floor app (`bench/floor_sql.py`).

Run as `python -m bench.floor_client` with a JSON job on stdin ({"dsn", "project",
"pairs": [[a, b], …], "duration", "warmup"}); prints one JSON line with cycles per second.
"""

import asyncio
import json
import sys
import time
import uuid
from typing import Any

import asyncpg

from bench import floor, floor_sql


async def run(job: dict[str, Any]) -> dict[str, float]:
    project = uuid.UUID(job["project"])
    pairs = [(uuid.UUID(a), uuid.UUID(b)) for a, b in job["pairs"]]
    counts = {"cycles": 0, "errors": 0}
    pool = await asyncpg.create_pool(
        job["dsn"], min_size=len(pairs), max_size=len(pairs), server_settings={"jit": "off"}
    )

    async def cycle(db: asyncpg.Connection, a: uuid.UUID, b: uuid.UUID, deadline: float) -> None:
        await db.execute(floor_sql.REMOVE_BETWEEN, project, a, b)
        while time.perf_counter() < deadline:
            made = await floor.make_request(db, project, a, b, "bench")
            if made is None:
                counts["errors"] += 1
                await db.execute(floor_sql.REMOVE_BETWEEN, project, a, b)
                continue
            connection_id = uuid.UUID(made["id"])
            accepted = await floor.accept_request(db, project, b, connection_id)
            removed = await floor.remove_connection(db, project, a, connection_id)
            if accepted is None or removed is None:
                counts["errors"] += 1
                continue
            counts["cycles"] += 1

    async def pair(a: uuid.UUID, b: uuid.UUID, deadline: float) -> None:
        async with pool.acquire() as db:
            await cycle(db, a, b, deadline)

    try:
        if job["warmup"] > 0:
            deadline = time.perf_counter() + job["warmup"]
            await asyncio.gather(*(pair(a, b, deadline) for a, b in pairs))
            counts.update(cycles=0, errors=0)
        started = time.perf_counter()
        deadline = started + job["duration"]
        await asyncio.gather(*(pair(a, b, deadline) for a, b in pairs))
        elapsed = time.perf_counter() - started
    finally:
        await pool.close()
    return {"cycles_per_second": counts["cycles"] / elapsed, "errors": counts["errors"]}


if __name__ == "__main__":
    sys.stdout.write(json.dumps(asyncio.run(run(json.load(sys.stdin)))) + "\n")
