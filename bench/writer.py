"""Write load from its own process: request -> accept -> remove-by-id cycles (or
follow -> unfollow cycles), or a mix with reads.

Run as `python -m bench.writer` with a JSON job on stdin; prints one JSON result line.
Each client owns a distinct pair of users, so cycles never collide.
"""

import asyncio
import json
import random
import sys
import time
from typing import Any

import httpx


class PairClient:
    """One pair of users going round its cycle; its steps are timed into `latencies`."""

    def __init__(
        self, http: httpx.AsyncClient, project: str, pair: list[list[str]], latencies: list[float]
    ) -> None:
        (_a_id, a_token), (b_id, b_token) = pair
        self.http = http
        self.latencies = latencies
        self.a = {"Authorization": f"Bearer {a_token}"}
        self.b = {"Authorization": f"Bearer {b_token}"}
        self.with_b = f"/v7/{project}/users/{b_id}"
        self.connections = f"/v7/{project}/connections"
        self.connection_id = ""

    async def timed(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        started = time.perf_counter()
        response = await self.http.request(method, path, **kwargs)
        self.latencies.append(time.perf_counter() - started)
        return response

    async def reset(self) -> None:
        """A run cut at its deadline leaves pairs mid-cycle; each run starts from nothing."""
        await self.http.delete(f"{self.with_b}/connection", headers=self.a)
        await self.http.delete(f"{self.with_b}/follow", headers=self.a)

    async def connection_step(self, step: int) -> httpx.Response:
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

    async def follow_step(self, step: int) -> httpx.Response:
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
    # One client (and connection) per pair: httpx's pool checks every idle connection on
    # each request, which with one shared pool of 32 made this process the bottleneck.
    clients = [httpx.AsyncClient(base_url=job["base"], timeout=30) for _ in pairs]

    async def client(http: httpx.AsyncClient, pair: list[list[str]], deadline: float) -> None:
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
            await http.aclose()

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
