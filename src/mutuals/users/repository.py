import uuid
from typing import Any

from sqlalchemy import BigInteger, RowMapping, Uuid, bindparam, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from mutuals.kit.db.database import pair_lock_key
from mutuals.kit.db.prepared import Prepared, Row
from mutuals.kit.db.rows import one_or_none
from mutuals.models import users
from mutuals.users import index
from mutuals.users.names import folded_name
from mutuals.users.schemas import PUBLIC_USER_COLUMNS
from mutuals.users.search import like_pattern, user_matches


async def insert_user(connection: AsyncConnection, values: dict[str, Any]) -> None:
    """Inserts the user and their search index rows (users/index.py), in one transaction."""
    name_folded = folded_name(values.get("name"))
    await connection.execute(insert(users).values(**values, name_folded=name_folded))
    await index.index_user(
        connection,
        values["project_id"],
        values["id"],
        values.get("username"),
        values.get("name"),
        values.get("followers_count", 0),
        new=True,
    )


async def get_user(
    connection: AsyncConnection, project_id: uuid.UUID, user_id: uuid.UUID
) -> RowMapping | None:
    return await one_or_none(
        connection,
        select(users).where(users.c.project_id == project_id, users.c.id == user_id),
    )


PUBLIC_PAIR = Prepared(
    select(*PUBLIC_USER_COLUMNS).where(
        users.c.project_id == bindparam("project_id"),
        users.c.id.in_([bindparam("a", type_=Uuid), bindparam("b", type_=Uuid)]),
    )
)


async def get_public_users(
    connection: AsyncConnection, project_id: uuid.UUID, pair: tuple[uuid.UUID, uuid.UUID]
) -> dict[uuid.UUID, Row]:
    """The public profiles of the two users of a change (either may be missing)."""
    a, b = pair
    rows = await PUBLIC_PAIR.rows(connection, {"project_id": project_id, "a": a, "b": b})
    return {row["id"]: row for row in rows}


# The pair lock (db.lock_pair), taken by a CTE that the read joins: evaluated once, and
# before any profile is returned, so the statements after this one run under the lock.
_LOCKED = select(func.pg_advisory_xact_lock(bindparam("key", type_=BigInteger)).label("held")).cte(
    "locked"
)
LOCKED_PUBLIC_PAIR = Prepared(
    PUBLIC_PAIR.statement.add_columns(_LOCKED.c.held).select_from(_LOCKED)  # type: ignore[attr-defined]
)


async def lock_pair_reading_profiles(
    connection: AsyncConnection, project_id: uuid.UUID, pair: tuple[uuid.UUID, uuid.UUID]
) -> dict[uuid.UUID, Row]:
    """`db.lock_pair` and `get_public_users` in one round trip on PostgreSQL (SQLite needs no
    lock: its write transactions run one at a time). When a user is missing the lock may
    not be taken, and the change stops there anyway."""
    if connection.dialect.name != "postgresql":
        return await get_public_users(connection, project_id, pair)
    a, b = pair
    parameters = {"project_id": project_id, "a": a, "b": b, "key": pair_lock_key(project_id, a, b)}
    rows = await LOCKED_PUBLIC_PAIR.rows(connection, parameters)
    return {row["id"]: row for row in rows}


async def find_user_id_by(
    connection: AsyncConnection, project_id: uuid.UUID, column: str, value: str
) -> uuid.UUID | None:
    return await connection.scalar(
        select(users.c.id).where(users.c.project_id == project_id, users.c[column] == value)
    )


async def update_user(
    connection: AsyncConnection, project_id: uuid.UUID, user_id: uuid.UUID, values: dict[str, Any]
) -> RowMapping | None:
    if "name" in values:
        values = {**values, "name_folded": folded_name(values["name"])}
    row = await one_or_none(
        connection,
        update(users)
        .where(users.c.project_id == project_id, users.c.id == user_id)
        .values(**values)
        .returning(users),
    )
    if row is not None and ("name" in values or "username" in values):
        await index.index_user(
            connection,
            project_id,
            user_id,
            row["username"],
            row["name"],
            row["followers_count"],
            new=False,
        )
    return row


async def get_user_by(
    connection: AsyncConnection, project_id: uuid.UUID, column: str, value: str
) -> RowMapping | None:
    result = await connection.execute(
        select(users).where(users.c.project_id == project_id, users.c[column] == value)
    )
    return result.mappings().one_or_none()


async def list_users(
    connection: AsyncConnection, project_id: uuid.UUID, query: str | None, limit: int
) -> list[RowMapping]:
    """Users of the project, oldest first, whose username, name or email contains `query`
    (any case): what an operator looks a user up by."""
    statement = select(
        users.c.id, users.c.username, users.c.name, users.c.email, users.c.created_at
    ).where(users.c.project_id == project_id)
    parameters = {}
    if query:
        statement = statement.where(user_matches(("username", "name", "email")))
        parameters["pattern"] = like_pattern(query)
    ordered = statement.order_by(users.c.created_at, users.c.id).limit(limit)
    rows = await connection.execute(ordered, parameters)
    return list(rows.mappings())
