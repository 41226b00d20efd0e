"""Database invariants of the graph (connections, follows), checked with SQL on the tables."""

import uuid

from sqlalchemy import String, TextClause, Uuid, bindparam, text

from mutuals.kit.db.database import Database
from tests.factories import ProjectFactory


def _sql(statement: str) -> TextClause:
    # Typed so the project id binds as a UUID on SQLite too.
    return text(statement).bindparams(bindparam("pid", type_=Uuid))


async def graph_problems(database: Database, project_id: str) -> list[str]:
    """Every broken invariant in one project, as readable lines (empty when all hold)."""
    pid = uuid.UUID(project_id)
    problems: list[str] = []
    async with database.transaction(write=False) as connection:

        async def rows(sql: str) -> list[tuple[object, ...]]:
            result = await connection.execute(_sql(sql), {"pid": pid})
            return [tuple(row) for row in result]

        for row in await rows(
            "SELECT pair_low_id, pair_high_id, count(*) FROM connections"
            " WHERE project_id = :pid GROUP BY pair_low_id, pair_high_id HAVING count(*) > 1"
        ):
            problems.append(f"more than one record for a pair: {row}")
        for row in await rows(
            "SELECT id FROM connections WHERE project_id = :pid AND requester_id = receiver_id"
        ):
            problems.append(f"self connection: {row}")
        for row in await rows(
            "SELECT id FROM connections WHERE project_id = :pid"
            " AND status = 'accepted' AND responded_at IS NULL"
        ):
            problems.append(f"accepted without respondedAt: {row}")
        for row in await rows(
            "SELECT u.id, u.connections_count, ("
            "  SELECT count(*) FROM connections c WHERE c.project_id = u.project_id"
            "  AND c.status = 'accepted' AND (c.requester_id = u.id OR c.receiver_id = u.id)"
            ") AS actual FROM users u WHERE u.project_id = :pid"
        ):
            if row[1] != row[2]:
                problems.append(f"count {row[1]} but {row[2]} accepted records for user {row[0]}")
        for row in await rows(
            "SELECT u.id, u.followers_count, u.following_count,"
            " (SELECT count(*) FROM follows f WHERE f.project_id = u.project_id"
            "  AND f.followed_id = u.id),"
            " (SELECT count(*) FROM follows f WHERE f.project_id = u.project_id"
            "  AND f.follower_id = u.id)"
            " FROM users u WHERE u.project_id = :pid"
        ):
            if (row[1], row[2]) != (row[3], row[4]):
                problems.append(
                    f"follow counts {row[1]}/{row[2]} but {row[3]}/{row[4]} follows for {row[0]}"
                )
        for row in await rows(
            "SELECT b.blocker_id, b.blocked_id FROM blocks b WHERE b.project_id = :pid AND ("
            "  EXISTS (SELECT 1 FROM follows f WHERE f.project_id = b.project_id AND ("
            "   (f.follower_id = b.blocker_id AND f.followed_id = b.blocked_id) OR"
            "   (f.follower_id = b.blocked_id AND f.followed_id = b.blocker_id)))"
            "  OR EXISTS (SELECT 1 FROM connections c WHERE c.project_id = b.project_id AND ("
            "   (c.requester_id = b.blocker_id AND c.receiver_id = b.blocked_id) OR"
            "   (c.requester_id = b.blocked_id AND c.receiver_id = b.blocker_id))))"
        ):
            problems.append(f"a follow or connection between a blocked pair: {row}")
    return problems


async def edges_between(database: Database, project_id: str, a: str, b: str) -> set[str]:
    """The blocks, follows and connection records between two users, each as a line such
    as `block a b`, `follow b a` or `connection a b pending` (requester first)."""
    statements = {
        "block": "SELECT blocker_id AS first, blocked_id AS second, '' AS state FROM blocks",
        "follow": "SELECT follower_id AS first, followed_id AS second, '' AS state FROM follows",
        "connection": "SELECT requester_id AS first, receiver_id AS second, status AS state"
        " FROM connections",
    }
    names = {uuid.UUID(a): "a", uuid.UUID(b): "b"}
    found: set[str] = set()
    async with database.transaction(write=False) as connection:
        for kind, columns in statements.items():
            result = await connection.execute(
                _sql(f"{columns} WHERE project_id = :pid").columns(
                    first=Uuid, second=Uuid, state=String
                ),
                {"pid": uuid.UUID(project_id)},
            )
            for first, second, state in result:
                if first in names and second in names:
                    found.add(f"{kind} {names[first]} {names[second]} {state}".strip())
    return found


async def notification_counts(database: Database, project_id: str) -> dict[str, int]:
    async with database.transaction(write=False) as connection:
        result = await connection.execute(
            _sql(
                "SELECT type, count(*) FROM app_notifications WHERE project_id = :pid GROUP BY type"
            ),
            {"pid": uuid.UUID(project_id)},
        )
        return {str(kind): int(total) for kind, total in result}


async def assert_graph_sound(project: ProjectFactory) -> None:
    database: Database = project.app.state.database
    assert await graph_problems(database, project.id) == []
