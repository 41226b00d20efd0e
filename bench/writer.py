"""Write load from its own process: request -> accept -> remove-by-id cycles, or a mix.

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


async def _timed(latencies: list[float], call: Any, *args: Any, **kwargs: Any) -> httpx.Response:
    started = time.perf_counter()
    response: httpx.Response = await call(*args, **kwargs)
    latencies.append(time.perf_counter() - started)
    return response


async def run(job: dict[str, Any]) -> dict[str, Any]:
    base, project = job["base"], job["project"]
    pairs: list[list[list[str]]] = job["pairs"]  # [[requester id, token], [receiver id, token]]
    reads: list[list[str]] = job["reads"]  # [path, token]
    write_share: float = job["write_share"]
    latencies: list[float] = []
    cycles = 0
    errors = 0
    limits = httpx.Limits(max_connections=len(pairs), max_keepalive_connections=len(pairs))

    async with httpx.AsyncClient(base_url=base, limits=limits, timeout=30) as http:

        async def client(pair: list[list[str]], deadline: float) -> None:
            nonlocal cycles, errors
            (_a_id, a_token), (b_id, b_token) = pair
            a = {"Authorization": f"Bearer {a_token}"}
            b = {"Authorization": f"Bearer {b_token}"}
            step, connection_id = 0, ""
            # A run cut at its deadline leaves pairs mid-cycle; start each run from nothing.
            await http.delete(f"/v7/{project}/users/{b_id}/connection", headers=a)
            while time.perf_counter() < deadline:
                if write_share < 1 and random.random() >= write_share:
                    path, token = random.choice(reads)
                    headers = {"Authorization": f"Bearer {token}"} if token else {}
                    response = await _timed(latencies, http.get, path, headers=headers)
                    errors += response.status_code >= 400
                    continue
                if step == 0:
                    response = await _timed(
                        latencies,
                        http.post,
                        f"/v7/{project}/users/{b_id}/connection",
                        headers=a,
                        json={"message": "bench"},
                    )
                    connection_id = response.json().get("id", "")
                elif step == 1:
                    response = await _timed(
                        latencies,
                        http.patch,
                        f"/v7/{project}/connections/{connection_id}/accept",
                        headers=b,
                    )
                else:
                    response = await _timed(
                        latencies,
                        http.delete,
                        f"/v7/{project}/connections/{connection_id}",
                        headers=a,
                    )
                    cycles += 1
                if response.status_code >= 400:
                    # Unexpected: count it, clear the pair and start the cycle over.
                    errors += 1
                    await http.delete(f"/v7/{project}/users/{b_id}/connection", headers=a)
                    step = 0
                    continue
                step = (step + 1) % 3

        if job["warmup"] > 0:
            await asyncio.gather(
                *(client(pair, time.perf_counter() + job["warmup"]) for pair in pairs)
            )
            latencies.clear()
            cycles = errors = 0
        started = time.perf_counter()
        await asyncio.gather(*(client(pair, started + job["duration"]) for pair in pairs))
        elapsed = time.perf_counter() - started

    latencies.sort()
    count = len(latencies)
    return {
        "requests_per_second": count / elapsed,
        "cycles_per_second": cycles / elapsed,
        "p50_ms": latencies[count // 2] * 1000 if count else 0.0,
        "p99_ms": latencies[min(count - 1, int(count * 0.99))] * 1000 if count else 0.0,
        "errors": errors,
    }


if __name__ == "__main__":
    sys.stdout.write(json.dumps(asyncio.run(run(json.load(sys.stdin)))) + "\n")
