"""The service against the floor (`bench/floor.py`), workload by workload, in interleaved
rounds (service, floor, service, floor) so drift on the shared machine weighs on both.

Reads: the same wrk script against each server. Writes: the bench's writer against the
service and against the floor app over HTTP, and the raw asyncpg client
(`bench/floor_client.py`) running the same transactions without HTTP.
"""

import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import httpx

from bench.jobs import run_job
from bench.loadgen import Figures

ROUNDS = 2
FLOOR_IDLE_WAIT_SECONDS = 3.0
# The four reads the performance targets name, by their labels in the main table.
FLOOR_READS = (
    "status between two users",
    "my connections page 1 (hub)",
    "connections-count (hub, public)",
    "pending received page 1",
)


@dataclass(frozen=True)
class Comparison:
    """One workload: the service's and the floor's means over the rounds."""

    config: str
    workload: str
    service: Figures
    floor: Figures
    note: str = ""

    @property
    def ratio(self) -> float:
        floor = self.floor.requests_per_second
        return self.service.requests_per_second / floor if floor else 0.0


def mean(runs: list[Figures]) -> Figures:
    count = len(runs)
    return Figures(
        sum(run.requests_per_second for run in runs) / count,
        sum(run.p50_ms for run in runs) / count,
        sum(run.p99_ms for run in runs) / count,
        sum(run.errors for run in runs),
    )


def table(comparisons: list[Comparison]) -> str:
    lines = [
        "| configuration | workload | service req/s | floor req/s | service / floor "
        "| service p50 / p99 ms | floor p50 / p99 ms | service p99 / p50 |",
        "|---|---|---:|---:|---:|---:|---:|---:|",
    ]
    for row in comparisons:
        service, floor = row.service, row.floor
        spread = service.p99_ms / service.p50_ms if service.p50_ms else 0.0
        cells = [
            row.config,
            row.workload + (f" ({row.note})" if row.note else ""),
            f"{service.requests_per_second:,.0f}",
            f"{floor.requests_per_second:,.0f}",
            f"{row.ratio:.0%}",
            f"{service.p50_ms:.2f} / {service.p99_ms:.2f}",
            f"{floor.p50_ms:.2f} / {floor.p99_ms:.2f}",
            f"{spread:.1f}x" if spread else "",
        ]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


@contextmanager
def serve_floor(dsn: str, secret: str, workers: int, pool_size: int) -> Iterator[str]:
    """The floor app under uvicorn (httptools, uvloop, as `mutuals serve`), `workers`
    processes; yields its base URL."""
    from bench.__main__ import free_port  # noqa: PLC0415 - the bench's own helper

    port = free_port()
    env = {
        **os.environ,
        "FLOOR_DSN": dsn,
        "FLOOR_SECRET": secret,
        "FLOOR_POOL_SIZE": str(pool_size),
    }
    command = [sys.executable, "-m", "uvicorn", "bench.floor:create_floor", "--factory"]
    command += ["--port", str(port), "--workers", str(workers), "--no-access-log"]
    command += ["--no-server-header", "--log-level", "warning"]
    with serving(command, env, port) as base:
        yield base


@contextmanager
def serving(command: list[str], env: dict[str, str], port: int) -> Iterator[str]:
    """Runs an HTTP server's `command` listening on `port`; yields its base URL once its
    /healthz answers, and stops it afterwards."""
    process = subprocess.Popen(command, env=env)  # noqa: S603 - fixed argv
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"{' '.join(command[:3])} did not start")
            time.sleep(0.1)
        yield base
    finally:
        process.terminate()
        process.wait(timeout=30)


def interleaved(
    measure_service: Callable[[], Figures], measure_floor: Callable[[], Figures]
) -> tuple[Figures, Figures]:
    service: list[Figures] = []
    floor: list[Figures] = []
    for _ in range(ROUNDS):
        service.append(measure_service())
        floor.append(measure_floor())
    return mean(service), mean(floor)


def run_raw_writes(job: dict[str, Any]) -> float:
    """Cycles per second of the raw asyncpg client (`bench/floor_client.py`)."""
    data = run_job("bench.floor_client", job)
    if data["errors"]:
        raise RuntimeError(f"the raw write client met {data['errors']} failed steps")
    cycles: float = data["cycles_per_second"]
    return cycles
