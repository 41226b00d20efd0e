"""`python -m bench.servers`: the HTTP server, measured. The service and the floor
(`bench/floor.py`) each under uvicorn (httptools, uvloop: what `mutuals serve` runs) and
under granian (its ASGI interface, uvloop), same worker count, same seeded PostgreSQL
data, the four hot reads with wrk, in interleaved rounds; prints a table of means.

granian is not a dependency of the service: install it into the environment first
(`.venv/bin/pip install granian`); the run stops with that advice when it is missing.
Figures only; nothing is asserted.
"""

import argparse
import asyncio
import importlib.util
import os
import sys
import tempfile
import uuid
from pathlib import Path

from bench.__main__ import (
    SECRET,
    _drop_postgres_database,
    _postgres_database,
    free_port,
    read_workloads,
    service_env,
)
from bench.floor_rounds import FLOOR_READS, mean, serving
from bench.loadgen import Figures, run_wrk
from bench.seed import Plan, seed_postgres
from mutuals.operator.migrate import upgrade

SERVERS = ("uvicorn", "granian")
APPS = {"service": "mutuals.app:create_app", "floor": "bench.floor:create_floor"}


def server_command(server: str, app: str, port: int, workers: int) -> list[str]:
    """Both without an access log (the service writes its own log line either way)."""
    if server == "uvicorn":
        return [
            *(sys.executable, "-m", "uvicorn", app, "--factory", "--port", str(port)),
            *("--workers", str(workers), "--no-access-log", "--no-server-header"),
            *("--log-level", "warning"),
        ]
    return [
        *(sys.executable, "-m", "granian", "--interface", "asgi", "--factory"),
        *("--loop", "uvloop", "--port", str(port), "--workers", str(workers)),
        *("--no-access-log", "--log-level", "warning", app),
    ]


def main(argv: list[str] | None = None) -> dict[tuple[str, str, str], Figures]:
    parser = argparse.ArgumentParser(prog="python -m bench.servers", description=__doc__)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--duration", type=float, default=5.0, help="seconds per workload")
    parser.add_argument("--warmup", type=float, default=1.5)
    parser.add_argument("--connections", type=int, default=32)
    args = parser.parse_args(argv)
    if importlib.util.find_spec("granian") is None:
        raise SystemExit("granian is not installed: .venv/bin/pip install granian")

    name = f"mutuals_bench_{uuid.uuid4().hex[:8]}"
    dsn = asyncio.run(_postgres_database(name))
    runs: dict[tuple[str, str, str], list[Figures]] = {}
    try:
        url = dsn.replace("postgresql://", "postgresql+asyncpg://")
        upgrade(url)
        seeded, _ = asyncio.run(seed_postgres(dsn, Plan.standard(with_big_project=False)))
        workloads = dict(read_workloads(seeded))
        with tempfile.TemporaryDirectory() as metrics:
            env = {
                **service_env(url, args.workers),
                # As `mutuals serve` sets it for several workers.
                "PROMETHEUS_MULTIPROC_DIR": str(Path(metrics)),
                "FLOOR_DSN": dsn,
                "FLOOR_SECRET": SECRET,
                "FLOOR_POOL_SIZE": str(32 // args.workers),
            }
            for round_number in range(args.rounds):
                for server in SERVERS:
                    for app_label, app in APPS.items():
                        port = free_port()
                        command = server_command(server, app, port, args.workers)
                        with serving(command, {**os.environ, **env}, port) as base:
                            for label in FLOOR_READS:
                                figures = run_wrk(
                                    base,
                                    workloads[label],
                                    duration=args.duration,
                                    warmup=args.warmup,
                                    connections=args.connections,
                                    threads=2,
                                )
                                runs.setdefault((server, app_label, label), []).append(figures)
                                print(
                                    f"round {round_number + 1} {server:<8} {app_label:<8} "
                                    f"{label:<34} {figures.requests_per_second:>8,.0f}/s",
                                    flush=True,
                                )
    finally:
        asyncio.run(_drop_postgres_database(name))
    means = {key: mean(figures) for key, figures in runs.items()}
    print()
    print("| workload | app | uvicorn req/s (p50 / p99 ms) | granian req/s (p50 / p99 ms) |")
    print("|---|---|---:|---:|")
    for label in FLOOR_READS:
        for app_label in APPS:
            cells = [
                f"{figures.requests_per_second:,.0f} ({figures.p50_ms:.2f} / {figures.p99_ms:.2f})"
                for figures in (means[(server, app_label, label)] for server in SERVERS)
            ]
            print(f"| {label} | {app_label} | {cells[0]} | {cells[1]} |")
    return means


if __name__ == "__main__":
    main()
