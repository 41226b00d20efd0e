"""Builds realistic projects straight in the database, without the HTTP API.

PostgreSQL is loaded with COPY (asyncpg's binary copy); SQLite with executemany inside one
transaction. Per-user connection and follow counters are computed in SQL once the rows
are in.
"""

import random
import sqlite3
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg

from mutuals.kit.ids import new_id
from mutuals.projects.service_keys import KEY_PREFIX, hash_service_key

EPOCH = datetime(2026, 1, 1, tzinfo=UTC)
# Page 5,000 of 20: the depth at which cursors and offsets are compared.
DEEP_PAGE_DEPTH = 100_000
USER_COLUMNS = (
    "project_id", "id", "foreign_id", "email", "password_hash", "name", "username", "avatar",
    "bio", "metadata", "reputation", "is_verified", "is_active", "auth_methods",
    "connections_count", "last_active", "created_at", "updated_at",
)  # fmt: skip
FOLLOW_COLUMNS = ("project_id", "id", "follower_id", "followed_id", "created_at")
BLOCK_COLUMNS = ("project_id", "id", "blocker_id", "blocked_id", "created_at")
CONNECTION_COLUMNS = (
    "project_id", "id", "requester_id", "receiver_id", "pair_low_id", "pair_high_id",
    "status", "message", "created_at", "responded_at",
)  # fmt: skip


@dataclass
class SeededProject:
    id: uuid.UUID
    service_key: str
    users: list[uuid.UUID]
    hub: uuid.UUID | None = None
    growth: dict[int, uuid.UUID] = field(default_factory=dict)
    writers: list[uuid.UUID] = field(default_factory=list)
    pairs: list[tuple[uuid.UUID, uuid.UUID]] = field(default_factory=list)
    connections: int = 0
    # Users with a known number of followers, and the project they live in.
    follow_growth: dict[int, uuid.UUID] = field(default_factory=dict)
    follow_project: uuid.UUID | None = None
    follow_rows: list[tuple[Any, ...]] = field(default_factory=list, repr=False)
    # Viewers of the hub's lists, by how many users they block.
    viewers: dict[int, uuid.UUID] = field(default_factory=dict)
    discovery: "DiscoveryProject | None" = None
    # (timestamp, id) of the item just above depth DEEP_PAGE_DEPTH in the largest growth
    # user's connections and the largest follow user's followers: a deep page's cursor.
    deep_connection: tuple[datetime, uuid.UUID] | None = None
    deep_follower: tuple[datetime, uuid.UUID] | None = None
    block_rows: list[tuple[Any, ...]] = field(default_factory=list, repr=False)


@dataclass
class Plan:
    """What to build. `standard()` is the issue's project; `tiny()` the smoke test's."""

    regular_users: int
    hub_connections: int
    random_pairs: int
    growth_sizes: tuple[int, ...]
    writers: int
    follow_growth_sizes: tuple[int, ...] = ()
    viewer_blocks: int = 0
    big_project_connections: int = 0
    big_project_users: int = 0
    # A project of its own where one user has this many followers (and others 10, 1,000).
    big_followers: int = 0
    # A project of its own where one user has this many connections, each with as many.
    discovery_fanout: int = 0

    @classmethod
    def standard(cls, with_big_project: bool) -> "Plan":
        return cls(
            regular_users=2_000,
            hub_connections=500,
            random_pairs=20_000,
            growth_sizes=(10, 1_000, 100_000),
            writers=64,
            follow_growth_sizes=(10, 1_000),
            viewer_blocks=1_000,
            big_project_connections=1_000_000 if with_big_project else 0,
            big_project_users=50_000,
            big_followers=1_000_000 if with_big_project else 0,
            discovery_fanout=1_000 if with_big_project else 0,
        )

    @classmethod
    def tiny(cls) -> "Plan":
        return cls(
            regular_users=60,
            hub_connections=20,
            random_pairs=200,
            growth_sizes=(10, 100),
            writers=8,
            follow_growth_sizes=(10, 100),
            viewer_blocks=20,
            discovery_fanout=20,
        )


def _user_row(project_id: uuid.UUID, user_id: uuid.UUID, number: int) -> tuple[Any, ...]:
    created = EPOCH + timedelta(seconds=number)
    return (
        project_id, user_id, None, f"user{number}@bench.example", None, f"Bench User {number}",
        f"user{number}", None, None, "{}", 0, False, True, '["password"]', 0, None, created,
        created,
    )  # fmt: skip


def _connection_row(
    project_id: uuid.UUID, requester: uuid.UUID, receiver: uuid.UUID, status: str, moment: int
) -> tuple[Any, ...]:
    low, high = (requester, receiver) if requester < receiver else (receiver, requester)
    created = EPOCH + timedelta(seconds=moment)
    responded = None if status == "pending" else created + timedelta(seconds=30)
    return (project_id, new_id(), requester, receiver, low, high, status, None, created, responded)


def build(
    plan: Plan, seed: int = 7
) -> tuple[SeededProject, list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    """The main project's rows, generated in memory."""
    rng = random.Random(seed)
    project_id = new_id()
    largest_growth = max(plan.growth_sizes, default=0)
    total_users = plan.regular_users + largest_growth + len(plan.growth_sizes) + plan.writers + 2
    user_ids = [new_id() for _ in range(total_users)]
    users = [_user_row(project_id, user_id, n) for n, user_id in enumerate(user_ids)]
    regular = user_ids[: plan.regular_users]
    fillers = user_ids[plan.regular_users : plan.regular_users + largest_growth]
    growth_users = user_ids[plan.regular_users + largest_growth :][: len(plan.growth_sizes)]
    writers = user_ids[-plan.writers - 2 : -2] if plan.writers else []
    viewer_plain, viewer_blocking = user_ids[-2:]
    seeded = SeededProject(project_id, "", regular, hub=regular[0], writers=writers)

    taken: set[frozenset[uuid.UUID]] = set()
    rows: list[tuple[Any, ...]] = []
    moment = 0

    def add(requester: uuid.UUID, receiver: uuid.UUID, status: str) -> None:
        nonlocal moment
        moment += 1
        taken.add(frozenset((requester, receiver)))
        rows.append(_connection_row(project_id, requester, receiver, status, moment))

    hub = regular[0]
    for other in regular[1 : plan.hub_connections + 1]:
        add(*((hub, other) if rng.random() < 0.5 else (other, hub)), "accepted")
    while len(rows) < plan.hub_connections + plan.random_pairs:
        a, b = rng.sample(regular, 2)
        if frozenset((a, b)) in taken:
            continue
        roll = rng.random()
        status = "accepted" if roll < 0.80 else "pending" if roll < 0.95 else "declined"
        add(a, b, status)
        if status == "accepted":
            seeded.pairs.append((a, b))
    for size, user in zip(plan.growth_sizes, growth_users, strict=True):
        seeded.growth[size] = user
        for other in fillers[:size]:
            add(user, other, "accepted")
    # A viewer blocking `viewer_blocks` users, a tenth of them among the hub's connections.
    seeded.viewers = {0: viewer_plain, plan.viewer_blocks: viewer_blocking}
    friends = regular[1 : plan.hub_connections + 1]
    others = regular[plan.hub_connections + 1 :]
    in_hub = plan.viewer_blocks // 10
    for moment, blocked in enumerate(friends[:in_hub] + others[: plan.viewer_blocks - in_hub]):
        created = EPOCH + timedelta(seconds=moment)
        seeded.block_rows.append((project_id, new_id(), viewer_blocking, blocked, created))
    # Follow stars are growth users too (their connections do not matter to follows).
    stars = growth_users[: len(plan.follow_growth_sizes)]
    seeded.follow_growth, seeded.follow_rows = build_follows(
        project_id, stars, fillers, plan.follow_growth_sizes
    )
    seeded.connections = len(rows)
    largest = growth_users[len(plan.growth_sizes) - 1] if plan.growth_sizes else None
    if largest is not None:
        # Newest first, as the list reads: (responded_at, id) of each of its connections.
        mine = [(row[9], row[1]) for row in rows if largest in (row[2], row[3])]
        seeded.deep_connection = _above_depth(mine)
    return seeded, users, rows


def _above_depth(keys: list[tuple[datetime, uuid.UUID]]) -> tuple[datetime, uuid.UUID]:
    """The key of the last item before DEEP_PAGE_DEPTH - 20, newest first (or the deepest
    there is, in smaller plans)."""
    ordered = sorted(keys, reverse=True)
    return ordered[min(DEEP_PAGE_DEPTH - 20, len(ordered)) - 1]


def build_follows(
    project_id: uuid.UUID, stars: list[uuid.UUID], fans: list[uuid.UUID], sizes: tuple[int, ...]
) -> tuple[dict[int, uuid.UUID], list[tuple[Any, ...]]]:
    """Star i gets the first sizes[i] fans as followers, oldest first."""
    growth: dict[int, uuid.UUID] = {}
    rows: list[tuple[Any, ...]] = []
    for size, star in zip(sizes, stars, strict=True):
        growth[size] = star
        for moment, fan in enumerate(fans[:size]):
            rows.append((project_id, new_id(), fan, star, EPOCH + timedelta(seconds=moment)))
    return growth, rows


def build_followers_project(
    sizes: tuple[int, ...],
) -> tuple[uuid.UUID, dict[int, uuid.UUID], list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    project_id = new_id()
    user_ids = [new_id() for _ in range(max(sizes) + len(sizes))]
    users = [_user_row(project_id, user_id, n) for n, user_id in enumerate(user_ids)]
    growth, rows = build_follows(project_id, user_ids[: len(sizes)], user_ids[len(sizes) :], sizes)
    return project_id, growth, users, rows


def build_big(
    connections: int, user_count: int, seed: int = 11
) -> tuple[uuid.UUID, list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    rng = random.Random(seed)
    project_id = new_id()
    user_ids = [new_id() for _ in range(user_count)]
    users = [_user_row(project_id, user_id, n) for n, user_id in enumerate(user_ids)]
    taken: set[tuple[int, int]] = set()
    rows = []
    while len(rows) < connections:
        a, b = rng.randrange(user_count), rng.randrange(user_count)
        key = (a, b) if a < b else (b, a)
        if a == b or key in taken:
            continue
        taken.add(key)
        rows.append(_connection_row(project_id, user_ids[a], user_ids[b], "accepted", len(rows)))
    return project_id, users, rows


@dataclass
class DiscoveryProject:
    """§8's workloads: `member` has `fanout` connections, each with `fanout` connections of
    its own (to a pool of 50 x fanout users, so second hops overlap as in real graphs);
    `hubs` are two of them sharing half their connections; `feed` are pool users."""

    id: uuid.UUID
    fanout: int
    member: uuid.UUID
    hubs: tuple[uuid.UUID, uuid.UUID]
    feed: list[uuid.UUID]
    users: list[tuple[Any, ...]] = field(default_factory=list, repr=False)
    rows: list[tuple[Any, ...]] = field(default_factory=list, repr=False)


def build_discovery(fanout: int, seed: int = 13) -> DiscoveryProject:
    rng = random.Random(seed)
    project_id = new_id()
    pool_size = 50 * fanout
    user_ids = [new_id() for _ in range(1 + fanout + pool_size)]
    member, friends, pool = user_ids[0], user_ids[1 : fanout + 1], user_ids[fanout + 1 :]
    project = DiscoveryProject(project_id, fanout, member, (friends[0], friends[1]), pool[:100])
    project.users = [_user_row(project_id, user_id, n) for n, user_id in enumerate(user_ids)]
    moment = 0

    def add(a: uuid.UUID, b: uuid.UUID) -> None:
        nonlocal moment
        moment += 1
        project.rows.append(_connection_row(project_id, a, b, "accepted", moment))

    for friend in friends:
        add(member, friend)
    shared = rng.sample(pool, fanout // 2)
    for index, friend in enumerate(friends):
        theirs = set(shared) if index < 2 else set()
        while len(theirs) < fanout - 1:
            theirs.add(rng.choice(pool))
        for other in sorted(theirs):
            add(friend, other)
    return project


def _service_key_row(project_id: uuid.UUID) -> tuple[str, tuple[Any, ...]]:
    key = KEY_PREFIX + uuid.uuid4().hex + uuid.uuid4().hex
    return key, (project_id, new_id(), hash_service_key(key), "bench", EPOCH, None)


COUNT_SQL = """
UPDATE users SET connections_count = counted.total FROM (
    SELECT user_id, count(*) AS total FROM (
        SELECT requester_id AS user_id FROM connections
        WHERE project_id = {p} AND status = 'accepted'
        UNION ALL
        SELECT receiver_id FROM connections WHERE project_id = {p} AND status = 'accepted'
    ) AS sides GROUP BY user_id
) AS counted
WHERE users.project_id = {p} AND users.id = counted.user_id
"""
FOLLOW_COUNT_SQL = """
UPDATE users SET {counter} = counted.total FROM (
    SELECT {side} AS user_id, count(*) AS total FROM follows WHERE project_id = {p} GROUP BY {side}
) AS counted
WHERE users.project_id = {p} AND users.id = counted.user_id
"""
FOLLOW_COUNTERS = (("followers_count", "followed_id"), ("following_count", "follower_id"))


async def seed_postgres(dsn: str, plan: Plan) -> tuple[SeededProject, dict[str, float]]:
    timings: dict[str, float] = {}
    connection = await asyncpg.connect(dsn)
    try:
        seeded, users, rows = build(plan)
        started = time.perf_counter()
        seeded.service_key = await _copy_project(
            connection, seeded.id, "bench", users, rows, seeded.follow_rows, seeded.block_rows
        )
        timings["main project"] = time.perf_counter() - started
        if plan.discovery_fanout:
            started = time.perf_counter()
            discovery = build_discovery(plan.discovery_fanout)
            await _copy_project(
                connection, discovery.id, "bench-discovery", discovery.users, discovery.rows
            )
            seeded.discovery = discovery
            label = f"{plan.discovery_fanout:,}x{plan.discovery_fanout:,} discovery project"
            timings[label] = time.perf_counter() - started
        if plan.big_followers:
            started = time.perf_counter()
            sizes = (*plan.follow_growth_sizes, plan.big_followers)
            follow_project, growth, fans, follow_rows = build_followers_project(sizes)
            await _copy_project(
                connection, follow_project, "bench-followers", fans, [], follow_rows
            )
            seeded.follow_project, seeded.follow_growth = follow_project, growth
            star = growth[max(growth)]
            seeded.deep_follower = _above_depth(
                [(row[4], row[1]) for row in follow_rows if row[3] == star]
            )
            timings[f"{plan.big_followers:,}-follower project"] = time.perf_counter() - started
        if plan.big_project_connections:
            started = time.perf_counter()
            big_id, big_users, big_rows = build_big(
                plan.big_project_connections, plan.big_project_users
            )
            generated = time.perf_counter() - started
            await _copy_project(connection, big_id, "bench-1m", big_users, big_rows)
            timings["1M-connection project"] = time.perf_counter() - started
            timings["1M-connection project (row generation)"] = generated
    finally:
        await connection.close()
    return seeded, timings


async def _copy_project(
    connection: asyncpg.Connection,
    project_id: uuid.UUID,
    name: str,
    users: list[tuple[Any, ...]],
    rows: list[tuple[Any, ...]],
    follow_rows: list[tuple[Any, ...]] | None = None,
    block_rows: list[tuple[Any, ...]] | None = None,
) -> str:
    key, key_row = _service_key_row(project_id)
    async with connection.transaction():
        await connection.execute(
            "INSERT INTO projects (id, name, created_at) VALUES ($1, $2, $3)",
            project_id, name, EPOCH,
        )  # fmt: skip
        await connection.copy_records_to_table(
            "service_keys",
            records=[key_row],
            columns=["project_id", "id", "key_hash", "label", "created_at", "revoked_at"],
        )
        await connection.copy_records_to_table("users", records=users, columns=USER_COLUMNS)
        await connection.copy_records_to_table(
            "connections", records=rows, columns=CONNECTION_COLUMNS
        )
        # Statistics first: without them the planner joins a million fresh rows blindly.
        await connection.execute("ANALYZE users; ANALYZE connections")
        await connection.execute(COUNT_SQL.format(p="$1"), project_id)
        if block_rows:
            await connection.copy_records_to_table(
                "blocks", records=block_rows, columns=BLOCK_COLUMNS
            )
        if follow_rows:
            await connection.copy_records_to_table(
                "follows", records=follow_rows, columns=FOLLOW_COLUMNS
            )
            await connection.execute("ANALYZE follows")
            for counter, side in FOLLOW_COUNTERS:
                await connection.execute(
                    FOLLOW_COUNT_SQL.format(counter=counter, side=side, p="$1"), project_id
                )
    # VACUUM as autovacuum would soon after a bulk load: it sets the visibility map, without
    # which no index-only scan skips the table.
    await connection.execute("VACUUM (ANALYZE) users, connections, follows, blocks")
    return key


def seed_sqlite(path: str, plan: Plan) -> tuple[SeededProject, dict[str, float]]:
    seeded, users, rows = build(plan)
    timings: dict[str, float] = {}
    started = time.perf_counter()
    database = sqlite3.connect(path)
    try:
        with database:
            seeded.service_key = _sqlite_project(database, seeded.id, "bench", users, rows)
            database.executemany(
                _insert_sql("follows", FOLLOW_COLUMNS),
                (seed_sqlite_values(row) for row in seeded.follow_rows),
            )
            database.executemany(
                _insert_sql("blocks", BLOCK_COLUMNS),
                (seed_sqlite_values(row) for row in seeded.block_rows),
            )
            for counter, side in FOLLOW_COUNTERS:
                database.execute(
                    FOLLOW_COUNT_SQL.format(counter=counter, side=side, p="?"), (seeded.id.hex,) * 2
                )
        timings["main project"] = time.perf_counter() - started
        if plan.discovery_fanout:
            started = time.perf_counter()
            discovery = build_discovery(plan.discovery_fanout)
            with database:
                _sqlite_project(
                    database, discovery.id, "bench-discovery", discovery.users, discovery.rows
                )
            seeded.discovery = discovery
            label = f"{plan.discovery_fanout:,}x{plan.discovery_fanout:,} discovery project"
            timings[label] = time.perf_counter() - started
        database.execute("ANALYZE")
    finally:
        database.close()
    return seeded, timings


def _sqlite_project(
    database: sqlite3.Connection,
    project_id: uuid.UUID,
    name: str,
    users: list[tuple[Any, ...]],
    rows: list[tuple[Any, ...]],
) -> str:
    key, key_row = _service_key_row(project_id)
    database.execute(
        "INSERT INTO projects (id, name, created_at) VALUES (?, ?, ?)",
        (project_id.hex, name, _sqlite_time(EPOCH)),
    )
    database.execute(
        "INSERT INTO service_keys (project_id, id, key_hash, label, created_at)"
        " VALUES (?, ?, ?, ?, ?)",
        (key_row[0].hex, key_row[1].hex, key_row[2], key_row[3], _sqlite_time(EPOCH)),
    )
    database.executemany(
        _insert_sql("users", USER_COLUMNS), (seed_sqlite_values(row) for row in users)
    )
    database.executemany(
        _insert_sql("connections", CONNECTION_COLUMNS), (seed_sqlite_values(row) for row in rows)
    )
    database.execute(COUNT_SQL.format(p="?"), (project_id.hex,) * 3)
    return key


def _insert_sql(table: str, columns: tuple[str, ...]) -> str:
    placeholders = ", ".join("?" * len(columns))
    # Table and column names are this module's constants, never input.
    return f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({placeholders})"  # noqa: S608


def _sqlite_time(moment: datetime) -> str:
    return moment.astimezone(UTC).replace(tzinfo=None).isoformat(sep=" ", timespec="microseconds")


def seed_sqlite_values(row: tuple[Any, ...]) -> tuple[Any, ...]:
    """A row as SQLite stores it: UUIDs as hex, times as naive UTC text."""
    return tuple(
        value.hex
        if isinstance(value, uuid.UUID)
        else _sqlite_time(value)
        if isinstance(value, datetime)
        else value
        for value in row
    )
