"""Finding users at scale (API.md §12): a project of 1,000,000 people with realistic names
on PostgreSQL (100,000 on SQLite), autocomplete for 1-, 2- and 3-character queries and a
search for a misspelt full name, at one client and at 32.

`python -m bench.finding` runs only this (`--smoke` on tiny data); `python -m bench` runs
it too. The rows are written straight into the tables, the search index with them, as
the service's own writes would leave it (users/index.py).
"""

import argparse
import asyncio
import random
import sqlite3
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import quote

import asyncpg
from sqlalchemy.dialects import postgresql

from bench.loadgen import Figures, run_wrk
from bench.seed import seed_sqlite_values
from mutuals.auth.tokens import TokenSigner
from mutuals.finding.repository import search_statement, suggestion_parameters
from mutuals.kit.ids import new_id
from mutuals.users.index import term_rows, trigram_rows
from mutuals.users.names import fold, folded_name

FIRST_NAMES = [
    "Ada",
    "Adèle",
    "Aarav",
    "Aiko",
    "Alejandro",
    "Alexandre",
    "Ali",
    "Alice",
    "Amara",
    "Amélie",
    "Ana",
    "Anaïs",
    "Andrés",
    "Anja",
    "Antoine",
    "Aoife",
    "Arjun",
    "Astrid",
    "Aurélien",
    "Beatriz",
    "Benedikt",
    "Björn",
    "Blessing",
    "Bruno",
    "Camille",
    "Carmen",
    "Catalina",
    "Chloé",
    "Chen",
    "Chidi",
    "Clara",
    "Cristóbal",
    "Daniel",
    "Darius",
    "Diego",
    "Dmitri",
    "Élodie",
    "Elena",
    "Elif",
    "Emeka",
    "Emilia",
    "Emma",
    "Enzo",
    "Esther",
    "Ethan",
    "Fatima",
    "Felipe",
    "Fernando",
    "Florence",
    "François",
    "Freya",
    "Gabriel",
    "Gaëlle",
    "Grace",
    "Guillermo",
    "Hana",
    "Hannah",
    "Héctor",
    "Helga",
    "Hiroshi",
    "Ibrahim",
    "Inés",
    "Ingrid",
    "Isabel",
    "Ivan",
    "Jakub",
    "Jana",
    "Javier",
    "Jérôme",
    "João",
    "Jorge",
    "José",
    "Julia",
    "Júlio",
    "Kai",
    "Karim",
    "Katarzyna",
    "Kenji",
    "Lars",
    "Laura",
    "Léa",
    "Leila",
    "Léon",
    "Li",
    "Liam",
    "Lucía",
    "Luis",
    "Łukasz",
    "Maëlle",
    "Malik",
    "Manon",
    "Marco",
    "María",
    "Mariana",
    "Marie",
    "Marta",
    "Mateo",
    "Matías",
    "Mei",
    "Mia",
    "Miguel",
    "Mikkel",
    "Mohammed",
    "Naomi",
    "Nicolás",
    "Nikolai",
    "Noah",
    "Noémie",
    "Nuno",
    "Olga",
    "Olivia",
    "Omar",
    "Pablo",
    "Paolo",
    "Patrícia",
    "Pedro",
    "Pilar",
    "Priya",
    "Rafael",
    "Raúl",
    "Rebecca",
    "Renée",
    "Rocío",
    "Rui",
    "Sakura",
    "Samuel",
    "Santiago",
    "Sara",
    "Sebastián",
    "Siddharth",
    "Sofía",
    "Søren",
    "Stéphane",
    "Sven",
    "Taro",
    "Teresa",
    "Théo",
    "Tomás",
    "Valentina",
    "Véronique",
    "Víctor",
    "Wei",
    "Yasmin",
    "Yusuf",
    "Zoë",
    "Zofia",
]
LAST_NAMES = [
    "Abe",
    "Acosta",
    "Adeyemi",
    "Almeida",
    "Álvarez",
    "Andersen",
    "Andersson",
    "Araújo",
    "Baptiste",
    "Barbosa",
    "Becker",
    "Bergström",
    "Bianchi",
    "Blanco",
    "Bondarenko",
    "Bouchard",
    "Brown",
    "Castillo",
    "Castro",
    "Chen",
    "Cohen",
    "Costa",
    "Cruz",
    "Da",
    "Silva",
    "Dąbrowski",
    "Delgado",
    "Díaz",
    "Dubois",
    "Dupont",
    "Eriksen",
    "Espinoza",
    "Fernández",
    "Ferrari",
    "Fischer",
    "Fontaine",
    "Fuentes",
    "García",
    "Garnier",
    "Gómez",
    "González",
    "Gutiérrez",
    "Hansen",
    "Hernández",
    "Herrera",
    "Hoffmann",
    "Horvath",
    "Ibáñez",
    "Ivanova",
    "Jansen",
    "Jiménez",
    "Johansson",
    "Kamau",
    "Kaya",
    "Kim",
    "Kobayashi",
    "Kowalski",
    "Kozlov",
    "Kumar",
    "Lambert",
    "Larsen",
    "Laurent",
    "Lefèvre",
    "Lehmann",
    "López",
    "Lovelace",
    "Lund",
    "Martín",
    "Martínez",
    "Medina",
    "Méndez",
    "Mendoza",
    "Meyer",
    "Moreau",
    "Morales",
    "Moreno",
    "Müller",
    "Muñoz",
    "Nakamura",
    "Navarro",
    "Nguyen",
    "Nielsen",
    "Novák",
    "Núñez",
    "Nwosu",
    "Okafor",
    "Okonkwo",
    "Oliveira",
    "Ortega",
    "Ortiz",
    "Park",
    "Patel",
    "Pereira",
    "Pérez",
    "Petrov",
    "Popescu",
    "Quintero",
    "Ramírez",
    "Ramos",
    "Reyes",
    "Ribeiro",
    "Richter",
    "Rodríguez",
    "Romero",
    "Rossi",
    "Rousseau",
    "Ruiz",
    "Sánchez",
    "Santos",
    "Sato",
    "Schmidt",
    "Schneider",
    "Schulz",
    "Silva",
    "Singh",
    "Sokolov",
    "Sørensen",
    "Suárez",
    "Suzuki",
    "Takahashi",
    "Tanaka",
    "Torres",
    "Tremblay",
    "Vargas",
    "Vásquez",
    "Vega",
    "Wagner",
    "Wang",
    "Weber",
    "Williams",
    "Wiśniewski",
    "Yamamoto",
    "Öztürk",
    "Zhang",
    "Zieliński",
]
EPOCH = datetime(2026, 1, 1, tzinfo=UTC)
CALLER_FOLLOWS = 500
TERM_COLUMNS = (
    "project_id", "user_id", "kind", "term", "prefix", "follower_tier", "username",
)  # fmt: skip
USER_COLUMNS = (
    "project_id", "id", "name", "name_folded", "username", "metadata", "auth_methods",
    "followers_count", "created_at", "updated_at",
)  # fmt: skip


@dataclass
class FindingProject:
    id: uuid.UUID
    users: int
    caller: uuid.UUID
    # Queries as people type them: prefixes of real usernames and name words.
    prefixes: dict[int, list[str]] = field(default_factory=dict)
    misspelt: list[str] = field(default_factory=list)


def _people(count: int, seed: int = 11) -> Iterator[tuple[uuid.UUID, str, str, int]]:
    """(id, name, username, followers): names drawn from the lists above (a few with a
    second surname), usernames as people pick them, followers heavy-tailed."""
    rng = random.Random(seed)
    taken: set[str] = set()
    for _ in range(count):
        first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        name = f"{first} {last}" + (f" {rng.choice(LAST_NAMES)}" if rng.random() < 0.15 else "")
        base = fold(first).replace(" ", "")[: rng.randint(3, 8)]
        if rng.random() < 0.5:
            base += rng.choice(["", "_", "."]) + fold(last).replace(" ", "")[: rng.randint(2, 6)]
        username = base
        while username in taken or len(username) < 3:
            username = f"{base}{rng.randint(1, 99_999)}"
        taken.add(username)
        followers = min(int(rng.paretovariate(1.2)) - 1, 500_000)
        yield new_id(), name, username[:30], followers


def _misspell(name: str, rng: random.Random) -> str:
    """The name with one letter replaced, as a hurried typist would."""
    letters = list(fold(name))
    spots = [index for index, char in enumerate(letters) if char.isalpha()]
    spot = rng.choice(spots[1:] or spots)
    letters[spot] = rng.choice("aeioulnrst".replace(letters[spot], ""))
    return "".join(letters)


def build(count: int) -> tuple[FindingProject, list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    project = FindingProject(new_id(), count, uuid.UUID(int=0))
    rng = random.Random(5)
    users, terms = [], []
    for number, (user_id, name, username, followers) in enumerate(_people(count)):
        created = EPOCH + timedelta(seconds=number)
        users.append(
            (project.id, user_id, name, folded_name(name), username, "{}", "[]", followers,
             created, created)
        )  # fmt: skip
        for row in term_rows(project.id, user_id, username, name, followers):
            terms.append(tuple(row[column] for column in TERM_COLUMNS))
        if rng.random() < 2_000 / count:
            for length in (1, 2, 3):
                source = username if rng.random() < 0.5 else fold(name.split()[-1])
                project.prefixes.setdefault(length, []).append(source[:length])
            project.misspelt.append(_misspell(name, rng))
    project.caller = users[0][1]
    return project, users, terms


def caller_follows(project: FindingProject, users: list[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
    """The signed-in caller follows 500 people: their graph takes part in every ranking."""
    rng = random.Random(3)
    followed = rng.sample(users[1:], min(CALLER_FOLLOWS, len(users) - 1))
    return [
        (project.id, new_id(), project.caller, row[1], EPOCH + timedelta(minutes=index))
        for index, row in enumerate(followed)
    ]


async def seed_postgres(dsn: str, count: int) -> tuple[FindingProject, float]:
    started = time.perf_counter()
    project, users, terms = build(count)
    connection = await asyncpg.connect(dsn)
    try:
        await connection.execute(
            "INSERT INTO projects (id, name, created_at) VALUES ($1, 'bench-finding', $2)",
            project.id,
            EPOCH,
        )
        await connection.copy_records_to_table("users", records=users, columns=USER_COLUMNS)
        # A million profiles' index rows load faster into a table without its secondary
        # index, built once afterwards from its own definition.
        definitions = await connection.fetch(
            "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'user_search_terms'"
            " AND indexname NOT LIKE 'pk_%'"
        )
        for row in definitions:
            await connection.execute(f'DROP INDEX "{row["indexname"]}"')
        await connection.copy_records_to_table(
            "user_search_terms", records=terms, columns=TERM_COLUMNS
        )
        for row in definitions:
            await connection.execute(row["indexdef"])
        await connection.copy_records_to_table(
            "follows",
            records=caller_follows(project, users),
            columns=("project_id", "id", "follower_id", "followed_id", "created_at"),
        )
        await connection.execute("ANALYZE users; ANALYZE user_search_terms; ANALYZE follows")
    finally:
        await connection.close()
    return project, time.perf_counter() - started


def seed_sqlite(path: str, count: int) -> tuple[FindingProject, float]:
    started = time.perf_counter()
    project, users, terms = build(count)

    stored = seed_sqlite_values
    grams = [
        (project.id.hex, gram["trigram"], row[1].hex)
        for row in users
        for gram in trigram_rows(project.id, row[1], row[4], row[2])
    ]
    database = sqlite3.connect(path)
    try:
        with database:
            database.execute(
                "INSERT INTO projects (id, name, created_at, allowed_origins) VALUES (?, ?, ?, ?)",
                stored((project.id, "bench-finding", EPOCH, "[]")),
            )
            marks = ", ".join("?" * len(USER_COLUMNS))
            database.executemany(
                f"INSERT INTO users ({', '.join(USER_COLUMNS)}) VALUES ({marks})",  # noqa: S608
                [stored(row) for row in users],
            )
            marks = ", ".join("?" * len(TERM_COLUMNS))
            database.executemany(
                f"INSERT INTO user_search_terms ({', '.join(TERM_COLUMNS)}) VALUES ({marks})",  # noqa: S608
                [stored(row) for row in terms],
            )
            database.executemany(
                "INSERT INTO user_search_trigrams (project_id, trigram, user_id) VALUES (?, ?, ?)",
                grams,
            )
            database.executemany(
                "INSERT INTO follows (project_id, id, follower_id, followed_id, created_at)"
                " VALUES (?, ?, ?, ?, ?)",
                [stored(row) for row in caller_follows(project, users)],
            )
        database.execute("ANALYZE")
    finally:
        database.close()
    return project, time.perf_counter() - started


def workloads(
    project: FindingProject, signer: TokenSigner
) -> list[tuple[str, list[tuple[str, str, str]]]]:
    base = f"/v7/{project.id}"
    token = signer.issue("access", project.id, project.caller)
    anonymous = [
        (
            f"suggestions, {length}-character queries",
            [(f"{base}/users/suggestions?query={quote(prefix)}", "", "") for prefix in prefixes],
        )
        for length, prefixes in sorted(project.prefixes.items())
    ]
    signed_in = [
        (
            "suggestions, 2 characters, signed in (follows 500)",
            [
                (f"{base}/users/suggestions?query={quote(p)}", token, "")
                for p in project.prefixes[2]
            ],
        )
    ]
    search = [
        (
            "search, a misspelt full name",
            [
                (f"{base}/search/users", "", f'{{"query": "{name}", "limit": 20}}')
                for name in project.misspelt
            ],
        )
    ]
    return anonymous + signed_in + search


def measure(
    base_url: str,
    project: FindingProject,
    signer: TokenSigner,
    config: str,
    add: "Add",
    duration: float,
    warmup: float,
) -> None:
    for label, requests in workloads(project, signer):
        for clients in (1, 32):
            figures = run_wrk(
                base_url,
                requests,
                duration=duration,
                warmup=warmup,
                connections=clients,
                threads=min(2, clients),
            )
            add(config, f"{label} ({clients} client{'s' * (clients > 1)})", figures)


def bound(prepared: Any, parameters: dict[str, Any]) -> Any:
    """A prepared statement with its parameters bound, for EXPLAIN."""
    return prepared.statement.params(**parameters)


async def explain(connection: asyncpg.Connection, statement: Any) -> str:
    """PostgreSQL's plan for a statement, as the planner picks it for these values."""
    dialect = postgresql.asyncpg.dialect()  # type: ignore[attr-defined]
    compiled = statement.compile(dialect=dialect, compile_kwargs={"literal_binds": True})
    rows = await connection.fetch("EXPLAIN " + str(compiled))
    return "\n".join(row[0] for row in rows)


async def plans(dsn: str, project: FindingProject) -> list[str]:
    """EXPLAIN of one suggestion and one search, as the planner picks them at this size."""
    statements = [
        bound(*suggestion_parameters(project.id, project.prefixes[1][0], project.caller, 60, 10)),
        search_statement("postgresql", project.id, project.misspelt[0], 80),
    ]
    connection = await asyncpg.connect(dsn)
    try:
        return [await explain(connection, statement) for statement in statements]
    finally:
        await connection.close()


Add = Callable[[str, str, Figures], None]  # (configuration, workload, figures)


def run(
    add: Add,
    *,
    smoke: bool,
    duration: float,
    warmup: float,
    databases: tuple[str, ...] = ("sqlite", "postgresql"),
) -> dict[str, float]:
    """Seeds, serves and measures; returns the seeding times. PostgreSQL is served by two
    workers, SQLite by one, as the rest of the bench serves them."""
    # Here, not at the top: `python -m bench` imports this module.
    from bench.__main__ import (  # noqa: PLC0415
        SECRET,
        _drop_postgres_database,
        _postgres_database,
        service_env,
        settle,
    )
    from mutuals.operator.migrate import upgrade  # noqa: PLC0415
    from tests.serving import ServedProcess  # noqa: PLC0415

    signer = TokenSigner(SECRET.encode(), 3600, 3600)
    seeding: dict[str, float] = {}
    if "postgresql" in databases:
        name = f"mutuals_bench_finding_{uuid.uuid4().hex[:8]}"
        dsn = asyncio.run(_postgres_database(name))
        try:
            url = dsn.replace("postgresql://", "postgresql+asyncpg://")
            upgrade(url)
            project, seconds = asyncio.run(seed_postgres(dsn, 2_000 if smoke else 1_000_000))
            label = f"PostgreSQL: finding users, {project.users:,} users"
            seeding[label] = seconds
            print(f"seeded {label} in {seconds:.0f}s", flush=True)
            for plan in asyncio.run(plans(dsn, project)):
                print("    " + plan.replace("\n", "\n    "), flush=True)
            with ServedProcess(service_env(url, 2), "--workers", "2") as server:
                settle(server.base)
                config = f"PostgreSQL, 2 workers, {project.users:,} users"
                measure(server.base, project, signer, config, add, duration, warmup)
        finally:
            asyncio.run(_drop_postgres_database(name))
    if "sqlite" in databases:
        with tempfile.TemporaryDirectory() as folder:
            url = f"sqlite+aiosqlite:///{folder}/finding.db"
            upgrade(url)
            project, seconds = seed_sqlite(f"{folder}/finding.db", 2_000 if smoke else 100_000)
            label = f"SQLite: finding users, {project.users:,} users"
            seeding[label] = seconds
            print(f"seeded {label} in {seconds:.0f}s", flush=True)
            with ServedProcess(service_env(url, 1), "--workers", "1") as server:
                settle(server.base)
                config = f"SQLite, 1 worker, {project.users:,} users"
                measure(server.base, project, signer, config, add, duration, warmup)
    return seeding


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.finding", description=__doc__)
    parser.add_argument("--smoke", action="store_true", help="tiny data, one-second runs")
    parser.add_argument("--duration", type=float, default=6.0)
    parser.add_argument("--warmup", type=float, default=2.0)
    parser.add_argument("--databases", default="sqlite,postgresql")
    args = parser.parse_args(argv)
    if args.smoke:
        args.duration, args.warmup = 1.0, 0.0

    def add(config: str, label: str, figures: Figures) -> None:
        print(
            f"  {config:<32} {label:<58} p50 {figures.p50_ms:7.2f} ms"
            f"  p99 {figures.p99_ms:7.2f} ms  {figures.requests_per_second:>7,.0f}/s"
            f"{'  errors ' + str(figures.errors) if figures.errors else ''}",
            flush=True,
        )

    run(
        add,
        smoke=args.smoke,
        duration=args.duration,
        warmup=args.warmup,
        databases=tuple(args.databases.split(",")),
    )


if __name__ == "__main__":
    main()
