"""Finding users reads indexes, never the project's users one by one (API.md §12): the
plans of the suggestion and search statements, on a project large enough for the planner
to tell, show no sequential scan of `users` or of the search tables."""

import asyncio
import random
import re
import uuid
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import asyncpg
from sqlalchemy import insert, text
from sqlalchemy.ext.asyncio import AsyncConnection

from bench import finding as finding_bench
from bench.finding import bound, explain
from mutuals.finding.repository import search_statement, suggestion_parameters
from mutuals.kit.db.database import Database
from mutuals.models import follows, user_search_terms, user_search_trigrams, users
from mutuals.users.index import term_rows, trigram_rows
from mutuals.users.names import folded_name
from tests.databases import migrated_database
from tests.factories import ProjectFactory

USERS = 20_000
FIRST = ["Ada", "José", "María", "Chloé", "Björn", "Grace", "Alan", "Zoë", "Li", "Amara"]
SYLLABLES = ["ka", "lo", "mé", "ri", "tan", "vu", "sé", "bor", "ni", "quel", "dra", "pú", "gen"]
TABLES = ("users", "user_search_terms", "user_search_trigrams")


def _people(project_id: uuid.UUID) -> Iterable[dict[str, Any]]:
    rng = random.Random(7)
    now = datetime.now(UTC)
    for number in range(USERS):
        # Names as varied as a real project's: a first name, a surname of three syllables.
        surname = "".join(rng.choice(SYLLABLES) for _ in range(3)).title()
        name = f"{rng.choice(FIRST)}{rng.choice(['', *SYLLABLES])} {surname}"
        yield {
            "project_id": project_id,
            "id": uuid.uuid4(),
            "username": f"{name.split(maxsplit=1)[0][:3].lower()}{number}",
            "name": name,
            "name_folded": folded_name(name),
            "metadata": {},
            "auth_methods": [],
            "followers_count": rng.choice([0, 0, 0, 1, 3, 40]),
            "created_at": now,
            "updated_at": now,
        }


async def _insert(connection: AsyncConnection, table: Any, rows: list[dict[str, Any]]) -> None:
    # One multi-row INSERT per slice: far quicker than as many single-row statements.
    for start in range(0, len(rows), 1_000):
        await connection.execute(insert(table).values(rows[start : start + 1_000]))


async def _seed(database: Database, project_id: uuid.UUID) -> list[dict[str, Any]]:
    people = list(_people(project_id))
    async with database.transaction() as connection:
        await _insert(connection, users, people)
    # Statistics before the rows that reference users: a foreign-key check planned while
    # the table looked empty would read all of it for every row.
    async with database.transaction() as connection:
        await connection.execute(text("ANALYZE users"))
    async with database.transaction() as connection:
        terms = [
            row
            for person in people
            for row in term_rows(
                project_id,
                person["id"],
                person["username"],
                person["name"],
                person["followers_count"],
            )
        ]
        await _insert(connection, user_search_terms, terms)
        if connection.dialect.name == "sqlite":
            grams = [
                row
                for person in people
                for row in trigram_rows(
                    project_id, person["id"], person["username"], person["name"]
                )
            ]
            await _insert(connection, user_search_trigrams, grams)
        caller = people[0]["id"]
        edges = [
            {
                "project_id": project_id,
                "id": uuid.uuid4(),
                "follower_id": caller,
                "followed_id": person["id"],
                "created_at": person["created_at"],
            }
            for person in people[1:200]
        ]
        await _insert(connection, follows, edges)
    async with database.transaction() as connection:
        await connection.execute(text("ANALYZE"))
    return people


async def _plan(connection: AsyncConnection, statement: Any) -> str:
    compiled = statement.compile(dialect=connection.dialect, compile_kwargs={"literal_binds": True})
    prefix = "EXPLAIN QUERY PLAN " if connection.dialect.name == "sqlite" else "EXPLAIN "
    rows = (await connection.exec_driver_sql(prefix + str(compiled))).all()
    return "\n".join(" ".join(str(part) for part in row) for row in rows)


WHOLE_TABLE = re.compile(
    r"\b(?:Seq Scan on|SCAN) (?:users|user_search_terms|user_search_trigrams)\b"
)


def _scans(plan: str) -> list[str]:
    """Lines of the plan that read a whole table of ours (PostgreSQL's "Seq Scan on",
    SQLite's "SCAN", with or without an index, as opposed to "SEARCH")."""
    return [line for line in plan.splitlines() if WHOLE_TABLE.search(line)]


async def test_suggestions_and_search_read_indexes(project: ProjectFactory) -> None:
    """Suggestions on both databases; search on SQLite (PostgreSQL's below)."""
    database: Database = project.app.state.database
    project_id = uuid.UUID(project.id)
    people = await _seed(database, project_id)
    caller = people[0]["id"]
    statements = [
        bound(*suggestion_parameters(project_id, query, None, 60, 10))
        for query in ("a", "jo", "mar")
    ]
    statements += [
        bound(*suggestion_parameters(project_id, query, caller, 60, 10))
        for query in ("a", "lov", "maria n", "chloe")
    ]
    searches = [
        search_statement("sqlite", project_id, query, 60)
        for query in ("ada lovelase", "jose nunes", "bjorn")
    ]
    async with database.transaction() as connection:
        for statement in statements:
            plan = await _plan(connection, statement)
            assert not _scans(plan), plan
            assert "ix_user_search_terms_rank" in plan, plan
        if database.is_sqlite:
            for statement in searches:
                plan = await _plan(connection, statement)
                assert not _scans(plan), plan
                assert "SEARCH user_search_trigrams USING PRIMARY KEY" in plan, plan


SEARCH_USERS = 200_000
SEARCHES = ("ada lovelase", "veronique petrof", "sofia")


def test_search_reads_the_trigram_indexes_at_scale(tmp_path: Path) -> None:
    """pg_trgm's GIN indexes cost more than reading a small project whole, so PostgreSQL's
    search plan is looked at on a database of its own with 200,000 users, named as people
    are (the bench's names)."""
    with migrated_database("postgresql", tmp_path) as url:
        plans = asyncio.run(_search_plans(url.replace("postgresql+asyncpg", "postgresql")))
    for query, plan in zip(SEARCHES, plans, strict=True):
        assert not _scans(plan), plan
        assert "ix_users_name_trigrams" in plan, plan
        # A query of one word may be a username too; several words are a name.
        assert ("ix_users_username_trigrams" in plan) == (" " not in query), plan


async def _search_plans(dsn: str) -> list[str]:
    project_id = uuid.uuid4()
    now = datetime.now(UTC)
    rows = [
        (project_id, user_id, name, folded_name(name), username, "{}", "[]", now, now)
        for user_id, name, username, _ in finding_bench._people(SEARCH_USERS)
    ]
    connection = await asyncpg.connect(dsn)
    try:
        await connection.execute(
            "INSERT INTO projects (id, name, created_at) VALUES ($1, 'search plans', $2)",
            project_id,
            now,
        )
        await connection.copy_records_to_table(
            "users",
            records=rows,
            columns=(
                "project_id", "id", "name", "name_folded", "username", "metadata",
                "auth_methods", "created_at", "updated_at",
            ),
        )  # fmt: skip
        await connection.execute("ANALYZE users")
        return [
            await explain(connection, search_statement("postgresql", project_id, query, 80))
            for query in SEARCHES
        ]
    finally:
        await connection.close()
