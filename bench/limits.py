"""What this machine allows, below the service: the figures against which the targets of
the batch relationships (API.md §8.1) and of webhook delivery (§9) are weighed.

`python -m bench.limits` prints two tables (`--smoke`: tiny data, a few seconds):

- **Database time of a relationships batch.** On the discovery project of `make bench`
  (one user with 1,000 connections of 1,000 each), each statement is run through asyncpg
  as a prepared statement, as the service runs it, one at a time, and its round trip is
  timed: the status statement, the service's own relationships statement for 1, 20 and 100
  ids (with PostgreSQL's plan choice as the service gets it, and with the generic plan
  forced), and the least any batch of 100 ids costs: reading the 100 users by primary key.
- **CPU of one webhook delivery.** Deliveries are queued by the write cycle of `make bench`
  against `mutuals serve --no-dispatcher` with one webhook on every event, then `mutuals
  dispatch` works off the backlog alone, delivering to `bench/receiver.py`. The CPU time of
  the dispatcher, of the receiver and of the whole machine is divided by the deliveries.
"""

import argparse
import asyncio
import dataclasses
import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import asyncpg
import httpx
from sqlalchemy.dialects import postgresql

from bench import floor_sql
from bench.__main__ import (
    _drop_postgres_database,
    _postgres_database,
    free_port,
    run_writer,
    service_env,
    wait_for_port,
    write_job,
)
from bench.seed import Plan, _copy_project, build_discovery, seed_postgres
from mutuals.operator.migrate import upgrade
from mutuals.relationships.repository import HASHED_CONNECTIONS_PER_ID, _relations_statement
from tests.serving import MUTUALS, ServedProcess

BATCH_SIZES = (1, 20, 100)
USERS_BY_KEY = "SELECT id FROM users WHERE project_id = $1 AND id = ANY($2::uuid[])"


@dataclasses.dataclass(frozen=True)
class Timing:
    label: str
    plan: str
    p50_ms: float


async def _p50_ms(
    connection: asyncpg.Connection, sql: str, argument_sets: Sequence[Sequence[Any]], runs: int
) -> float:
    """Median round trip of a prepared statement over `runs` executions (after a warm-up of
    ten, which also lets PostgreSQL settle its plan choice)."""
    prepared = await connection.prepare(sql)
    timings = []
    for run in range(runs + 10):
        arguments = argument_sets[run % len(argument_sets)]
        started = time.perf_counter()
        await prepared.fetch(*arguments)
        if run >= 10:
            timings.append(time.perf_counter() - started)
    timings.sort()
    return timings[len(timings) // 2] * 1000


async def relationships_timings(dsn: str, fanout: int, runs: int) -> list[Timing]:
    discovery = build_discovery(fanout)
    connection = await asyncpg.connect(dsn, server_settings={"jit": "off"})
    try:
        await _copy_project(connection, discovery.id, "limits", discovery.users, discovery.rows)
        compiled = _relations_statement(True).compile(dialect=postgresql.asyncpg.dialect())  # type: ignore[no-untyped-call]
        names = compiled.positiontup or []
        project, caller, feed = discovery.id, discovery.member, discovery.feed

        def relations_arguments(size: int) -> list[list[Any]]:
            sets = []
            for start in range(0, len(feed), size):
                ids = [str(user) for user in (feed * 2)[start : start + size]]
                values = compiled.construct_params(
                    {
                        "project_id": project,
                        "caller_id": caller,
                        "viewer_id": caller,
                        "ids": ids,
                        "hash_limit": HASHED_CONNECTIONS_PER_ID * len(ids),
                    }
                )
                sets.append([values[name] for name in names])
            return sets

        status_arguments = [[project, caller, user] for user in feed]
        key_arguments = [[project, list((feed * 2)[:100])]]
        timings = []
        for plan in ("auto", "force_generic_plan"):
            await connection.execute(f"SET plan_cache_mode = {plan}")
            timings.append(
                Timing("status (one pair)", plan, await _p50_ms(
                    connection, floor_sql.STATUS, status_arguments, runs))
            )  # fmt: skip
            for size in BATCH_SIZES:
                timings.append(
                    Timing(f"relationships, {size} ids", plan, await _p50_ms(
                        connection, compiled.string, relations_arguments(size), runs))
                )  # fmt: skip
            timings.append(
                Timing("100 users by primary key", plan, await _p50_ms(
                    connection, USERS_BY_KEY, key_arguments, runs))
            )  # fmt: skip
            # Prepared statements keep the plan choice they made under the last setting.
            await connection.execute("DEALLOCATE ALL")
        return timings
    finally:
        await connection.close()


def _cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _machine_cpu_seconds() -> float:
    first_line = Path("/proc/stat").read_text().splitlines()[0]
    values = [int(value) for value in first_line.split()[1:]]
    idle = values[3] + values[4]
    return (sum(values) - idle) / os.sysconf("SC_CLK_TCK")


def delivery_costs(dsn: str, plan: Plan, duration: float) -> dict[str, float]:
    seeded, _ = asyncio.run(seed_postgres(dsn, plan))
    url = dsn.replace("postgresql://", "postgresql+asyncpg://")
    env: dict[str, str | None] = {**service_env(url)}
    port = free_port()
    receiver = subprocess.Popen([sys.executable, "-m", "bench.receiver", str(port)])  # noqa: S603
    receiver_url = f"http://127.0.0.1:{port}"
    try:
        wait_for_port(port)
        with ServedProcess(env, "--workers", "2", "--no-dispatcher") as server:
            api = f"{server.base}/v7/{seeded.id}"
            service = {"Authorization": f"Bearer {seeded.service_key}"}
            hook = httpx.post(
                f"{api}/webhooks",
                json={"url": f"{receiver_url}/hook", "events": ["*"]},
                headers=service,
            ).json()
            run_writer(write_job(seeded, server.base, 1.0, duration, 1.0))
            listed = httpx.get(f"{api}/webhooks/{hook['id']}/deliveries?limit=1", headers=service)
            queued = int(listed.json()["pagination"]["totalItems"])
        dispatcher = subprocess.Popen(  # noqa: S603 - our own console script
            [MUTUALS, "dispatch"],
            env={**os.environ, **{name: value for name, value in env.items() if value is not None}},
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            # Counted from the first arrival: the dispatcher's start (imports, connections)
            # is not a delivery's cost.
            start = _snapshot(receiver_url, dispatcher.pid, receiver.pid, until=1)
            end = _snapshot(receiver_url, dispatcher.pid, receiver.pid, until=queued)
        finally:
            dispatcher.send_signal(signal.SIGTERM)
            dispatcher.wait(timeout=30)
    finally:
        receiver.terminate()
        receiver.wait()
    delivered = end.delivered - start.delivered
    return {
        "deliveries": queued,
        "per_second": delivered / (end.at - start.at),
        "dispatcher_ms": 1000 * (end.dispatcher - start.dispatcher) / delivered,
        "receiver_ms": 1000 * (end.receiver - start.receiver) / delivered,
        "machine_ms": 1000 * (end.machine - start.machine) / delivered,
    }


@dataclasses.dataclass(frozen=True)
class Snapshot:
    at: float
    delivered: int
    dispatcher: float
    receiver: float
    machine: float


def _snapshot(receiver_url: str, dispatcher_pid: int, receiver_pid: int, until: int) -> Snapshot:
    """CPU times once the receiver has `until` distinct events."""
    deadline = time.monotonic() + 300
    with httpx.Client() as http:
        while True:
            delivered = int(http.get(f"{receiver_url}/count").json()["distinct"])
            if delivered >= until:
                return Snapshot(
                    time.perf_counter(),
                    delivered,
                    _cpu_seconds(dispatcher_pid),
                    _cpu_seconds(receiver_pid),
                    _machine_cpu_seconds(),
                )
            if time.monotonic() > deadline:
                raise RuntimeError("the dispatcher did not work off the backlog")
            time.sleep(0.02)


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(prog="python -m bench.limits", description=__doc__)
    parser.add_argument("--smoke", action="store_true", help="tiny data, a few seconds")
    args = parser.parse_args(argv)
    fanout, runs, duration = (20, 20, 1.0) if args.smoke else (1_000, 500, 6.0)
    plan = Plan.tiny() if args.smoke else Plan.standard(with_big_project=False)
    name = f"mutuals_limits_{uuid.uuid4().hex[:8]}"
    dsn = asyncio.run(_postgres_database(name))
    try:
        upgrade(dsn.replace("postgresql://", "postgresql+asyncpg://"))
        timings = asyncio.run(relationships_timings(dsn, fanout, runs))
        costs = delivery_costs(dsn, plan, duration)
    finally:
        asyncio.run(_drop_postgres_database(name))
    print(f"Database round trip, prepared statements, p50 of {runs} ({fanout:,} x {fanout:,}):")
    print("| statement | plan | p50 ms |\n|---|---|---:|")
    for timing in timings:
        print(f"| {timing.label} | {timing.plan} | {timing.p50_ms:.3f} |")
    print(f"\nOne webhook delivery, `mutuals dispatch` alone ({costs['deliveries']:,} queued):")
    print("| deliveries/s | dispatcher CPU ms | receiver CPU ms | machine CPU ms |")
    print("|---:|---:|---:|---:|")
    print(
        f"| {costs['per_second']:,.0f} | {costs['dispatcher_ms']:.3f} "
        f"| {costs['receiver_ms']:.3f} | {costs['machine_ms']:.3f} |"
    )
    return {"timings": timings, "deliveries": costs}


if __name__ == "__main__":
    main()
