"""`python -m bench`: seed, serve, load, print a table. Figures only; nothing is asserted.

Configurations: SQLite with one worker, PostgreSQL with one and with two workers (rate
limits off through MUTUALS_RATE_LIMITS). `--smoke` runs the same code on tiny data for a
second per workload, which is what the test suite does so the benchmark never rots.
"""

import argparse
import asyncio
import contextlib
import os
import platform
import random
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import asyncpg
import httpx

from bench import finding, floor_rounds
from bench.floor_rounds import FLOOR_READS, Comparison
from bench.jobs import run_job
from bench.loadgen import Figures, run_wrk
from bench.seed import DEEP_PAGE_DEPTH, Plan, SeededProject, seed_postgres, seed_sqlite
from mutuals.auth.tokens import TokenSigner
from mutuals.kit.cursors import CursorSigner, list_binding
from mutuals.operator.migrate import upgrade
from tests.serving import ServedProcess

SECRET = "bench-signing-secret-bench-signing-secret-0123"  # noqa: S105 - a throwaway bench key
ADMIN_DSN = os.environ.get(
    "MUTUALS_BENCH_POSTGRES_DSN", "postgresql://postgres@127.0.0.1:5432/postgres"
)


@dataclass
class Row:
    config: str
    workload: str
    figures: Figures
    note: str = ""


@dataclass
class Report:
    rows: list[Row] = field(default_factory=list)
    seeding: dict[str, float] = field(default_factory=dict)
    comparisons: list[Comparison] = field(default_factory=list)

    def compare(self, comparison: Comparison) -> None:
        self.comparisons.append(comparison)
        print(
            f"  {comparison.config:<16} {comparison.workload:<34} service"
            f" {comparison.service.requests_per_second:>9,.0f}/s floor"
            f" {comparison.floor.requests_per_second:>9,.0f}/s = {comparison.ratio:.0%}"
            f" {comparison.note}",
            flush=True,
        )

    def add(self, config: str, workload: str, figures: Figures, note: str = "") -> None:
        self.rows.append(Row(config, workload, figures, note))
        print(
            f"  {config:<16} {workload:<34} {figures.requests_per_second:>9,.0f}/s"
            f"  p50 {figures.p50_ms:7.2f} ms  p99 {figures.p99_ms:7.2f} ms"
            f"{'  errors ' + str(figures.errors) if figures.errors else ''} {note}",
            flush=True,
        )

    def table(self) -> str:
        lines = [
            "| configuration | workload | req/s | p50 ms | p99 ms | vs /healthz | errors |",
            "|---|---|---:|---:|---:|---:|---:|",
        ]
        ceilings = {
            row.config: row.figures.requests_per_second
            for row in self.rows
            if row.workload == "bare /healthz"
        }
        for row in self.rows:
            ceiling = ceilings.get(row.config)
            ratio = (
                f"{row.figures.requests_per_second / ceiling:.0%}"
                if ceiling and row.workload != "bare /healthz"
                else ""
            )
            rate, p50, p99 = row.figures.as_row()
            label = row.workload + (f" ({row.note})" if row.note else "")
            cells = [row.config, label, rate, p50, p99, ratio, str(row.figures.errors)]
            lines.append("| " + " | ".join(cells) + " |")
        return "\n".join(lines)


def _tokens(seeded: SeededProject) -> TokenSigner:
    return TokenSigner(SECRET.encode(), 3600, 3600)


def read_workloads(seeded: SeededProject) -> list[tuple[str, list[tuple[str, str]]]]:
    signer = _tokens(seeded)
    project = seeded.id
    base = f"/v7/{project}"

    def token(user: uuid.UUID) -> str:
        return signer.issue("access", project, user)

    rng = random.Random(3)
    hub = seeded.hub
    if hub is None:
        raise ValueError("the seeded project has no hub user")
    hub_token = token(hub)
    hub_friends = seeded.users[1:]
    status: list[tuple[str, str]] = []
    for _ in range(500):
        status.append((f"{base}/users/{rng.choice(hub_friends)}/connection", hub_token))
        a, b = rng.choice(seeded.pairs)
        if rng.random() < 0.5:
            a, b = b, a
        status.append((f"{base}/users/{b}/connection", token(a)))
    pending = [
        (f"{base}/connections/pending/received?page=1&limit=20", token(user))
        for user in rng.sample(seeded.users, min(500, len(seeded.users)))
    ]
    workloads = [
        ("bare /healthz", [("/healthz", "")]),
        ("status between two users", status),
        ("my connections page 1 (hub)", [(f"{base}/connections?page=1&limit=20", hub_token)]),
        ("connections-count (hub, public)", [(f"{base}/users/{hub}/connections-count", "")]),
        ("pending received page 1", pending),
    ]
    for size, user in sorted(seeded.growth.items()):
        workloads.append(
            (
                f"growth {size:,}: list page 1",
                [(f"{base}/connections?page=1&limit=20", token(user))],
            )
        )
        workloads.append(
            (f"growth {size:,}: count", [(f"{base}/users/{user}/connections-count", "")])
        )
    for blocked, viewer in sorted(seeded.viewers.items()):
        viewer_token = token(viewer)
        workloads.append(
            (
                f"hub list page 1, viewer with {blocked:,} blocks",
                [(f"{base}/users/{hub}/connections?page=1&limit=20", viewer_token)],
            )
        )
        workloads.append(
            (
                f"hub count, viewer with {blocked:,} blocks",
                [(f"{base}/users/{hub}/connections-count", viewer_token)],
            )
        )
    follow_base = f"/v7/{seeded.follow_project or project}"
    for size, user in sorted(seeded.follow_growth.items()):
        workloads.append(
            (
                f"followers {size:,}: page 1 (public)",
                [(f"{follow_base}/users/{user}/followers?page=1&limit=20", "")],
            )
        )
        workloads.append(
            (
                f"followers {size:,}: count (public)",
                [(f"{follow_base}/users/{user}/followers-count", "")],
            )
        )
    workloads.extend(deep_page_workloads(seeded))
    workloads.extend(discovery_workloads(seeded))
    return workloads


def deep_page_workloads(seeded: SeededProject) -> list[tuple[str, list[tuple[str, str]]]]:
    """Page 5,000 of 20 by number (offset) and by cursor (key), next to page 1."""
    signer = _tokens(seeded)
    cursors = CursorSigner(SECRET.encode())
    deep_page = DEEP_PAGE_DEPTH // 20
    workloads: list[tuple[str, list[tuple[str, str]]]] = []
    if seeded.growth and seeded.deep_connection is not None:
        size, user = max(seeded.growth.items())
        token = signer.issue("access", seeded.id, user)
        base = f"/v7/{seeded.id}"
        binding = list_binding("/connections", {"projectId": str(seeded.id)}, {}, user)
        cursor = cursors.encode(binding, *seeded.deep_connection)
        label = f"growth {size:,}: my connections"
        workloads += [
            (f"{label} page 1 by cursor", [(f"{base}/connections?cursor=&limit=20", token)]),
            (
                f"{label} page {deep_page:,} by cursor",
                [(f"{base}/connections?cursor={cursor}&limit=20", token)],
            ),
            (
                f"{label} page {deep_page:,} by number",
                [(f"{base}/connections?page={deep_page}&limit=20", token)],
            ),
        ]
    if seeded.follow_growth and seeded.deep_follower is not None:
        project = seeded.follow_project or seeded.id
        size, star = max(seeded.follow_growth.items())
        path = f"/v7/{project}/users/{star}/followers"
        binding = list_binding(
            "/users/{userId}/followers",
            {"projectId": str(project), "userId": str(star)},
            {},
            None,
        )
        cursor = cursors.encode(binding, *seeded.deep_follower)
        label = f"followers {size:,}"
        workloads += [
            (f"{label}: page 1 by cursor", [(f"{path}?cursor=&limit=20", "")]),
            (f"{label}: page {deep_page:,} by cursor", [(f"{path}?cursor={cursor}&limit=20", "")]),
            (f"{label}: page {deep_page:,} by number", [(f"{path}?page={deep_page}&limit=20", "")]),
        ]
    return workloads


def discovery_workloads(seeded: SeededProject) -> list[tuple[str, list[tuple[str, str]]]]:
    """§8: a typical caller of the main project (some tens of connections) asking about
    random users, then a caller with 1,000 connections of 1,000 each in a project of its
    own; each next to one status call between the same users, for scale."""
    discovery = seeded.discovery
    if discovery is None:
        return []
    signer = _tokens(seeded)
    rng = random.Random(5)
    typical = seeded.users[7]
    typical_token = signer.issue("access", seeded.id, typical)
    others = seeded.users[8:]
    strangers = [str(user) for user in rng.sample(others, min(100, len(others)))]
    main = f"/v7/{seeded.id}"
    workloads = [
        (
            "typical caller: one status call",
            [(f"{main}/users/{user}/connection", typical_token) for user in strangers],
        ),
        (
            "typical caller: relationships, 100 ids",
            [(f"{main}/relationships?ids={','.join(strangers)}", typical_token)],
        ),
    ]
    base = f"/v7/{discovery.id}"
    member_token = signer.issue("access", discovery.id, discovery.member)
    feed = [str(user) for user in discovery.feed]
    workloads += [
        (
            "discovery: one status call",
            [(f"{base}/users/{user}/connection", member_token) for user in feed],
        )
    ]
    for size in (1, 20, 100):
        batches = [
            ",".join((feed * 2)[start : start + size]) for start in range(0, len(feed), size)
        ]
        workloads.append(
            (
                f"discovery: relationships, {size} ids",
                [(f"{base}/relationships?ids={ids}", member_token) for ids in batches],
            )
        )
    first, second = discovery.hubs
    size_label = f"{discovery.fanout:,}"
    workloads.append(
        (
            f"discovery: mutual connections, two {size_label} hubs",
            [
                (
                    f"{base}/users/{second}/mutual-connections?page=1&limit=20",
                    signer.issue("access", discovery.id, first),
                )
            ],
        )
    )
    workloads.append(
        (
            f"discovery: suggestions, {size_label} x {size_label}",
            [(f"{base}/connections/suggestions", member_token)],
        )
    )
    return workloads


def write_job(
    seeded: SeededProject,
    base_url: str,
    write_share: float,
    duration: float,
    warmup: float,
    cycle: str = "connection",
    pair_count: int | None = None,
) -> dict[str, object]:
    signer = _tokens(seeded)
    writers = seeded.writers[: None if pair_count is None else 2 * pair_count]
    pairs = [
        [
            [str(a), signer.issue("access", seeded.id, a)],
            [str(b), signer.issue("access", seeded.id, b)],
        ]
        for a, b in zip(writers[0::2], writers[1::2], strict=True)
    ]
    reads = [list(item) for _, requests in read_workloads(seeded)[1:4] for item in requests[:200]]
    return {
        "base": base_url,
        "project": str(seeded.id),
        "pairs": pairs,
        "reads": reads,
        "write_share": write_share,
        "duration": duration,
        "warmup": warmup,
        "cycle": cycle,
    }


def run_writer(job: dict[str, object]) -> Figures:
    data = run_job("bench.writer", job)
    figures = Figures(data["requests_per_second"], data["p50_ms"], data["p99_ms"], data["errors"])
    figures_cycles = data["cycles_per_second"]
    run_writer.last_cycles = figures_cycles  # type: ignore[attr-defined]
    return figures


def settle(base: str, quick_seconds: float = 0.05, patience_seconds: float = 60.0) -> None:
    """Waits until the server has worked off what the last workload left queued (a slow
    workload's last requests keep running after wrk stops), so they do not weigh on the
    next workload's figures: /readyz, which reads the database, must answer quickly."""
    deadline = time.monotonic() + patience_seconds
    # One client for all the probes: making one (its TLS context) alone took over 50 ms.
    with httpx.Client(timeout=patience_seconds) as http:
        while time.monotonic() < deadline:
            started = time.monotonic()
            with contextlib.suppress(httpx.HTTPError):
                http.get(f"{base}/readyz")
            if time.monotonic() - started < quick_seconds:
                return
            time.sleep(0.5)


def service_env(database_url: str, workers: int | None = None) -> dict[str, str]:
    """The environment the bench serves the service with. With `workers`: the production
    pool defaults (32 + 16 per worker), not the test suite's small pools; with two workers
    24 kept each (the load's 32 clients are shared between them), so the service, the
    floor and its raw client (bench/floor_rounds.py) fit PostgreSQL's connection limit
    together."""
    env = {
        "MUTUALS_DATABASE_URL": database_url,
        "MUTUALS_SECRET_KEY": SECRET,
        "MUTUALS_RATE_LIMITS": "off",
        "MUTUALS_REDIS_URL": "",
        # The webhook workloads deliver to a receiver on this machine.
        "MUTUALS_WEBHOOKS_ALLOW_PRIVATE": "true",
    }
    if workers is not None:
        env["MUTUALS_DATABASE_POOL_SIZE"] = str(min(32, 48 // workers))
        env["MUTUALS_DATABASE_MAX_OVERFLOW"] = "16"
    return env


def run_config(
    report: Report,
    name: str,
    database_url: str,
    seeded: SeededProject,
    workers: int,
    args: argparse.Namespace,
) -> None:
    env = service_env(database_url, workers)
    with ServedProcess(env, "--workers", str(workers)) as server:

        def measure(label: str, requests: list[tuple[str, str]], clients: int) -> None:
            figures = run_wrk(
                server.base,
                requests,
                duration=args.duration,
                warmup=args.warmup,
                connections=clients,
                threads=min(2, clients),
            )
            report.add(name, label, figures)
            settle(server.base)

        if database_url.startswith("postgresql") and not args.writes_only:
            compare_with_floor(report, name, server.base, database_url, seeded, workers, args)
        if args.floor_only:
            return
        if not args.writes_only:
            for workload, requests in read_workloads(seeded):
                measure(workload, requests, args.connections)
            # Discovery also answers one client at a time: its latency targets (API.md §8.4)
            # are about one request, not a saturated server's queue.
            for workload, requests in discovery_workloads(seeded):
                measure(f"{workload} (1 client)", requests, 1)
        job = write_job(seeded, server.base, 1.0, args.duration, args.warmup)
        figures = run_writer(job)
        cycles = run_writer.last_cycles  # type: ignore[attr-defined]
        report.add(name, "write cycle: request, accept, remove", figures, f"{cycles:,.0f} cycles/s")
        follow_job = write_job(seeded, server.base, 1.0, args.duration, args.warmup, "follow")
        figures = run_writer(follow_job)
        cycles = run_writer.last_cycles  # type: ignore[attr-defined]
        report.add(name, "follow cycle: follow, unfollow", figures, f"{cycles:,.0f} cycles/s")
        mixed = write_job(seeded, server.base, 0.2, args.duration, args.warmup)
        report.add(name, "mixed: 80% reads, 20% writes", run_writer(mixed))
        measure_webhooks(report, name, seeded, server.base, args)


def compare_with_floor(
    report: Report,
    name: str,
    base: str,
    database_url: str,
    seeded: SeededProject,
    workers: int,
    args: argparse.Namespace,
) -> None:
    """The service and the floor, workload by workload, in interleaved rounds."""
    dsn = database_url.replace("postgresql+asyncpg://", "postgresql://")
    # Tiny pools on tiny data: the smoke test runs inside the suite's connection budget.
    pool_size = 4 if args.smoke else 32 // workers
    with floor_rounds.serve_floor(dsn, SECRET, workers, pool_size) as floor:

        def reads(target: str, requests: list[tuple[str, str]]) -> Callable[[], Figures]:
            def measure() -> Figures:
                figures = run_wrk(
                    target,
                    requests,
                    duration=args.duration,
                    warmup=args.warmup,
                    connections=args.connections,
                    threads=min(2, args.connections),
                )
                settle(base)
                return figures

            return measure

        workloads = dict(read_workloads(seeded))
        for label in FLOOR_READS:
            service, bare = floor_rounds.interleaved(
                reads(base, workloads[label]), reads(floor, workloads[label])
            )
            report.compare(Comparison(name, label, service, bare))

        def cycles(target: str) -> Callable[[], Figures]:
            def measure() -> Figures:
                figures = run_writer(write_job(seeded, target, 1.0, args.duration, args.warmup))
                cycles: float = run_writer.last_cycles  # type: ignore[attr-defined]
                settle(base)
                return Figures(cycles, figures.p50_ms, figures.p99_ms, figures.errors)

            return measure

        def raw_cycles() -> Figures:
            # The floor app's idle connections close first (bench/floor.py, IDLE_SECONDS).
            time.sleep(floor_rounds.FLOOR_IDLE_WAIT_SECONDS)
            writers = seeded.writers
            job = {
                "dsn": dsn,
                "project": str(seeded.id),
                "pairs": [
                    [str(a), str(b)] for a, b in zip(writers[0::2], writers[1::2], strict=True)
                ],
                "duration": args.duration,
                "warmup": args.warmup,
            }
            return Figures(floor_rounds.run_raw_writes(job), 0.0, 0.0, 0)

        service_runs, http_runs, raw_runs = [], [], []
        for _ in range(floor_rounds.ROUNDS):
            service_runs.append(cycles(base)())
            http_runs.append(cycles(floor)())
            raw_runs.append(raw_cycles())
        service = floor_rounds.mean(service_runs)
        label = "write cycles/s: request, accept, remove"
        report.compare(
            Comparison(name, label, service, floor_rounds.mean(raw_runs), "raw asyncpg client")
        )
        report.compare(
            Comparison(name, label, service, floor_rounds.mean(http_runs), "floor app over HTTP")
        )


WEBHOOK_ROUNDS = 2


def measure_webhooks(
    report: Report, name: str, seeded: SeededProject, base: str, args: argparse.Namespace
) -> None:
    """Write cycles without a webhook and with one subscribed to every event (each cycle
    makes five: requested, accepted, removed and two notifications), in alternating rounds
    (A, B, A, B) so drift weighs on both alike; and for the webhook rounds, the delay from
    each event's commit to its arrival at a receiver on this machine."""
    port = free_port()
    receiver = subprocess.Popen([sys.executable, "-m", "bench.receiver", str(port)])  # noqa: S603
    receiver_url = f"http://127.0.0.1:{port}"
    api = f"{base}/v7/{seeded.id}"
    service = {"Authorization": f"Bearer {seeded.service_key}"}
    plain: list[tuple[Figures, float]] = []
    hooked: list[tuple[Figures, float]] = []
    delays: list[dict[str, float]] = []

    def subscribed(job: dict[str, object]) -> tuple[Figures, float, dict[str, float]]:
        """Runs `job` with one webhook on every event; its figures, cycles and delays."""
        hook = httpx.post(
            f"{api}/webhooks",
            json={"url": f"{receiver_url}/hook", "events": ["*"]},
            headers=service,
        ).json()
        httpx.get(f"{receiver_url}/stats?reset=1")
        figures = run_writer(job)
        cycles: float = run_writer.last_cycles  # type: ignore[attr-defined]
        delay = _delivered(api, hook["id"], service, receiver_url)
        httpx.delete(f"{api}/webhooks/{hook['id']}", headers=service)
        return figures, cycles, delay

    try:
        wait_for_port(port)
        for _ in range(WEBHOOK_ROUNDS):
            plain.append(_write_cycles(seeded, base, args))
            settle(base)
            figures, cycles, delay = subscribed(
                write_job(seeded, base, 1.0, args.duration, args.warmup)
            )
            hooked.append((figures, cycles))
            delays.append(delay)
            settle(base)
        # The same with one writer: the delay of delivery itself, without a saturated
        # server's queue in front of it.
        alone, _, alone_delay = subscribed(
            write_job(seeded, base, 1.0, args.duration, args.warmup, pair_count=1)
        )
    finally:
        receiver.terminate()
        receiver.wait()
    without = sum(cycles for _, cycles in plain) / len(plain)
    with_hook = sum(cycles for _, cycles in hooked) / len(hooked)
    report.add(
        name,
        "write cycle, no webhook",
        floor_rounds.mean([figures for figures, _ in plain]),
        f"{without:,.0f} cycles/s, mean of {len(plain)} rounds",
    )
    p50 = sorted(delay["p50_ms"] for delay in delays)[len(delays) // 2]
    p99 = max(delay["p99_ms"] for delay in delays)
    report.add(
        name,
        "write cycle, one webhook on every event",
        floor_rounds.mean([figures for figures, _ in hooked]),
        f"{with_hook:,.0f} cycles/s = {with_hook / without:.0%} of no webhook; "
        f"commit to delivery p50 {p50:.0f} ms, p99 {p99:.0f} ms, "
        f"{sum(int(delay['distinct']) for delay in delays):,} events",
    )
    report.add(
        name,
        "write cycle, one webhook on every event (1 client)",
        alone,
        f"commit to delivery p50 {alone_delay['p50_ms']:.0f} ms, "
        f"p99 {alone_delay['p99_ms']:.0f} ms, {int(alone_delay['distinct']):,} events",
    )


def _write_cycles(
    seeded: SeededProject, base: str, args: argparse.Namespace
) -> tuple[Figures, float]:
    figures = run_writer(write_job(seeded, base, 1.0, args.duration, args.warmup))
    return figures, run_writer.last_cycles  # type: ignore[attr-defined]


def _delivered(
    api: str, webhook_id: str, service: dict[str, str], receiver_url: str
) -> dict[str, float]:
    """Waits until the receiver has every event queued for the webhook; its delay figures."""
    deadline = time.monotonic() + 120
    # One client for every look: each new one builds a TLS context (tens of ms of CPU),
    # taken from the server while it works off the round's deliveries.
    with httpx.Client() as http:
        listed = http.get(f"{api}/webhooks/{webhook_id}/deliveries?limit=1", headers=service)
        queued = listed.json()["pagination"]["totalItems"]
        while time.monotonic() < deadline:
            # Counts only while the backlog drains; the delays are worked out once.
            counted: dict[str, float] = http.get(f"{receiver_url}/count").json()
            if counted["distinct"] >= queued:
                stats: dict[str, float] = http.get(f"{receiver_url}/stats").json()
                return stats
            time.sleep(0.2)
    raise RuntimeError(f"the receiver got {counted['distinct']} of {queued} events in 120 s")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def wait_for_port(port: int) -> None:
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.2):
            return
        time.sleep(0.05)
    raise RuntimeError(f"the receiver did not listen on {port}")


async def _postgres_database(name: str) -> str:
    admin = await asyncpg.connect(ADMIN_DSN)
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()
    base = ADMIN_DSN.rsplit("/", 1)[0]
    return f"{base}/{name}"


async def _drop_postgres_database(name: str) -> None:
    admin = await asyncpg.connect(ADMIN_DSN)
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await admin.close()


def measure_finding(report: Report, configs: list[str], args: argparse.Namespace) -> None:
    """Finding users on a project of its own (bench/finding.py), on the databases chosen."""
    if args.writes_only or args.floor_only:
        return
    databases = tuple(
        name
        for name, wanted in (
            ("sqlite", "sqlite" in configs),
            ("postgresql", any(config.startswith("postgres") for config in configs)),
        )
        if wanted
    )
    seeding = finding.run(
        report.add,
        smoke=args.smoke,
        duration=args.duration,
        warmup=args.warmup,
        databases=databases,
    )
    report.seeding.update(seeding)


def main(argv: list[str] | None = None) -> Report:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--smoke", action="store_true", help="tiny data, one-second runs")
    parser.add_argument("--duration", type=float, default=6.0, help="seconds per workload")
    parser.add_argument("--warmup", type=float, default=2.0, help="warm-up seconds")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument(
        "--configs", default="sqlite,postgres-1,postgres-2", help="comma-separated subset"
    )
    parser.add_argument("--write", type=Path, help="write the table into this Markdown file")
    parser.add_argument(
        "--writes-only", action="store_true", help="only the write workloads (quick checks)"
    )
    parser.add_argument(
        "--floor-only",
        action="store_true",
        help="only the service against the floor (PostgreSQL configurations)",
    )
    args = parser.parse_args(argv)
    if args.smoke:
        args.duration, args.warmup = 1.0, 0.0
    plan = (
        Plan.tiny()
        if args.smoke
        else Plan.standard(with_big_project=not (args.writes_only or args.floor_only))
    )
    configs = [part.strip() for part in args.configs.split(",") if part.strip()]
    report = Report()
    started = time.perf_counter()

    if "sqlite" in configs:
        with tempfile.TemporaryDirectory() as folder:
            url = f"sqlite+aiosqlite:///{folder}/bench.db"
            upgrade(url)
            seeded, timings = seed_sqlite(f"{folder}/bench.db", plan)
            for label, seconds in timings.items():
                report.seeding[f"SQLite: {label}"] = seconds
                print(f"seeded SQLite {label} in {seconds:.1f}s", flush=True)
            run_config(report, "SQLite, 1 worker", url, seeded, 1, args)

    postgres = [config for config in configs if config.startswith("postgres")]
    if postgres:
        name = f"mutuals_bench_{uuid.uuid4().hex[:8]}"
        dsn = asyncio.run(_postgres_database(name))
        try:
            url = dsn.replace("postgresql://", "postgresql+asyncpg://")
            upgrade(url)
            seeded, timings = asyncio.run(seed_postgres(dsn, plan))
            for label, seconds in timings.items():
                report.seeding[f"PostgreSQL: {label}"] = seconds
                print(f"seeded PostgreSQL {label} in {seconds:.1f}s", flush=True)
            for config in postgres:
                workers = int(config.rsplit("-", 1)[1])
                run_config(
                    report,
                    f"PostgreSQL, {workers} worker{'s' * (workers > 1)}",
                    url,
                    seeded,
                    workers,
                    args,
                )
        finally:
            asyncio.run(_drop_postgres_database(name))

    measure_finding(report, configs, args)

    total = time.perf_counter() - started
    print()
    print(report.table())
    if report.comparisons:
        print()
        print(floor_rounds.table(report.comparisons))
    machine = f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
    print(f"\ntotal {total:.0f}s on {machine}")
    if args.write:
        _write_markdown(args.write, report, total)
    return report


def _write_markdown(path: Path, report: Report, total: float) -> None:
    marker = "<!-- bench:table -->"
    seeding = "\n".join(f"- {label}: {seconds:.1f} s" for label, seconds in report.seeding.items())
    floor = (
        f"The service against the floor (interleaved rounds, means):\n\n"
        f"{floor_rounds.table(report.comparisons)}\n\n"
        if report.comparisons
        else ""
    )
    block = (
        f"{marker}\n{report.table()}\n\n{floor}Seeding:\n{seeding}\n\n"
        f"Whole run: {total:.0f} s on {platform.machine()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}.\n{marker}"
    )
    text = path.read_text() if path.exists() else marker + "\n" + marker
    head, _, rest = text.partition(marker)
    _, _, tail = rest.partition(marker)
    path.write_text(head + block + tail)


if __name__ == "__main__":
    main()
