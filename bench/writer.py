"""Write load from its own process: request -> accept -> remove-by-id cycles (or
follow -> unfollow cycles), or a mix with reads.

Run as `python -m bench.writer` with a JSON job on stdin; prints one JSON result line.
Each client owns a distinct pair of users, so cycles never collide. It sends with aiohttp:
measured on this machine, httpx spent 2.0 ms of CPU per request against aiohttp's 0.3, and
this process shares the machine's two cores with the server it measures.
"""

import asyncio
import json
import random
import sys
import time
from typing import Any

import aiohttp
import orjson


class Answer:
    """What a step needs of a response: its status and, for a request, its body."""

    def __init__(self, status: int, body: bytes) -> None:
        self.status_code = status
        self.body = body

    def json(self) -> Any:
        return orjson.loads(self.body) if self.body else {}

    @property
    def is_success(self) -> bool:
        return 200 <= self.status_code < 300


class PairClient:
    """One pair of users going round its cycle; its steps are timed into `latencies`."""

    def __init__(
        self,
        http: aiohttp.ClientSession,
        project: str,
        pair: list[list[str]],
        latencies: list[float],
    ) -> None:
        (_a_id, a_token), (b_id, b_token) = pair
        self.http = http
        self.latencies = latencies
        self.a = {"Authorization": f"Bearer {a_token}"}
        self.b = {"Authorization": f"Bearer {b_token}"}
        self.with_b = f"/v7/{project}/users/{b_id}"
        self.connections = f"/v7/{project}/connections"
        self.connection_id = ""

    async def send(self, method: str, path: str, **kwargs: Any) -> Answer:
        async with self.http.request(method, path, **kwargs) as response:
            return Answer(response.status, await response.read())

    async def timed(self, method: str, path: str, **kwargs: Any) -> Answer:
        started = time.perf_counter()
        response = await self.send(method, path, **kwargs)
        self.latencies.append(time.perf_counter() - started)
        return response

    async def reset(self) -> None:
        """A run cut at its deadline leaves pairs mid-cycle; each run starts from nothing."""
        await self.send("DELETE", f"{self.with_b}/connection", headers=self.a)
        await self.send("DELETE", f"{self.with_b}/follow", headers=self.a)

    async def connection_step(self, step: int) -> Answer:
        if step == 0:
            response = await self.timed(
                "POST", f"{self.with_b}/connection", headers=self.a, json={"message": "bench"}
            )
            self.connection_id = response.json().get("id", "") if response.is_success else ""
            return response
        if step == 1:
            return await self.timed(
                "PATCH", f"{self.connections}/{self.connection_id}/accept", headers=self.b
            )
        return await self.timed(
            "DELETE", f"{self.connections}/{self.connection_id}", headers=self.a
        )

    async def follow_step(self, step: int) -> Answer:
        if step == 0:
            return await self.timed("POST", f"{self.with_b}/follow", headers=self.a, json={})
        return await self.timed("DELETE", f"{self.with_b}/follow", headers=self.a)


async def run(job: dict[str, Any]) -> dict[str, Any]:
    pairs: list[list[list[str]]] = job["pairs"]  # [[requester id, token], [receiver id, token]]
    reads: list[list[str]] = job["reads"]  # [path, token]
    write_share: float = job["write_share"]
    follows = job.get("cycle") == "follow"
    steps = 2 if follows else 3
    latencies: list[float] = []
    counts = {"cycles": 0, "errors": 0}
    # One session (and connection) per pair, each kept alive between its requests.
    timeout = aiohttp.ClientTimeout(total=30)
    clients = [
        aiohttp.ClientSession(
            base_url=job["base"], timeout=timeout, connector=aiohttp.TCPConnector(limit=1)
        )
        for _ in pairs
    ]

    async def client(http: aiohttp.ClientSession, pair: list[list[str]], deadline: float) -> None:
        me = PairClient(http, job["project"], pair, latencies)
        await me.reset()
        step = 0
        while time.perf_counter() < deadline:
            if write_share < 1 and random.random() >= write_share:
                path, token = random.choice(reads)
                headers = {"Authorization": f"Bearer {token}"} if token else {}
                response = await me.timed("GET", path, headers=headers)
                counts["errors"] += response.status_code >= 400
                continue
            response = await (me.follow_step(step) if follows else me.connection_step(step))
            if response.status_code >= 400:
                # Unexpected: count it, clear the pair and start the cycle over.
                counts["errors"] += 1
                await me.reset()
                step = 0
                continue
            step = (step + 1) % steps
            counts["cycles"] += step == 0

    try:
        if job["warmup"] > 0:
            deadline = time.perf_counter() + job["warmup"]
            await asyncio.gather(
                *(client(http, pair, deadline) for http, pair in zip(clients, pairs, strict=True))
            )
            latencies.clear()
            counts.update(cycles=0, errors=0)
        started = time.perf_counter()
        deadline = started + job["duration"]
        await asyncio.gather(
            *(client(http, pair, deadline) for http, pair in zip(clients, pairs, strict=True))
        )
        elapsed = time.perf_counter() - started
    finally:
        for http in clients:
            await http.close()

    latencies.sort()
    count = len(latencies)
    return {
        "requests_per_second": count / elapsed,
        "cycles_per_second": counts["cycles"] / elapsed,
        "p50_ms": latencies[count // 2] * 1000 if count else 0.0,
        "p99_ms": latencies[min(count - 1, int(count * 0.99))] * 1000 if count else 0.0,
        "errors": counts["errors"],
    }


if __name__ == "__main__":
    sys.stdout.write(json.dumps(asyncio.run(run(json.load(sys.stdin)))) + "\n")
