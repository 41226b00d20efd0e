"""Every query of the follows feature. Each one starts from the project id.

A follow is one row per ordered pair under a unique constraint; following is
INSERT … ON CONFLICT DO NOTHING and unfollowing DELETE … RETURNING, so the database
decides every race and the counters move only with a row that really came or went.
"""

import functools
import uuid
from datetime import datetime
from typing import Any, Literal

from sqlalchemy import (
    RowMapping,
    Select,
    Uuid,
    and_,
    bindparam,
    case,
    delete,
    func,
    or_,
    select,
    update,
)
from sqlalchemy.ext.asyncio import AsyncConnection

from mutuals.follows.schemas import Direction
from mutuals.kit.cursors import Listing, after_position, page_parameters, reads_after
from mutuals.kit.db.database import InsertUnlessTaken, dialect_insert
from mutuals.kit.db.paging import newest_first
from mutuals.kit.db.prepared import Prepared, Row
from mutuals.kit.db.rows import matching, one_or_none
from mutuals.models import follow_notices, follows, users
from mutuals.models.base import UtcDateTime
from mutuals.users import index
from mutuals.users.schemas import PUBLIC_USER_COLUMNS
from mutuals.users.search import Search, SearchField, list_parameters, user_matches
from mutuals.visibility.filters import Viewer, blocked_either_way, hidden_users, visible

FOLLOW_COLUMNS = (
    follows.c.id,
    follows.c.follower_id,
    follows.c.followed_id,
    follows.c.created_at,
)
CountColumn = Literal["followers_count", "following_count"]
# Whose edges a list reads, and which end of each edge is the listed user.
LISTED_SIDE = {"followers": "followed_id", "following": "follower_id"}
OTHER_SIDE = {"followers": "follower_id", "following": "followed_id"}
COUNTERS: dict[Direction, CountColumn] = {
    "followers": "followers_count",
    "following": "following_count",
}


# A new follow, unless the pair has one already or either user blocks the other (checked
# in the insert itself, under the pair lock the change holds).
_PROJECT = bindparam("project", type_=Uuid)
_FOLLOWER = bindparam("follower", type_=Uuid)
_FOLLOWED = bindparam("followed", type_=Uuid)
_INSERT_FOLLOW = InsertUnlessTaken(
    follows,
    ["project_id", "id", "follower_id", "followed_id", "created_at"],
    select(
        _PROJECT,
        bindparam("follow", type_=Uuid),
        _FOLLOWER,
        _FOLLOWED,
        bindparam("now", type_=UtcDateTime()),
    ).where(~blocked_either_way(_FOLLOWER, _FOLLOWED, _PROJECT)),
    *FOLLOW_COLUMNS,
)


async def insert_follow(
    connection: AsyncConnection,
    project_id: uuid.UUID,
    follow_id: uuid.UUID,
    follower_id: uuid.UUID,
    followed_id: uuid.UUID,
    now: datetime,
) -> Row | None:
    """The new follow, or None when the pair already had one or a block stands between
    the two."""
    parameters = {
        "project": project_id,
        "follow": follow_id,
        "follower": follower_id,
        "followed": followed_id,
        "now": now,
    }
    return await _INSERT_FOLLOW.row(connection, parameters)


FIND_FOLLOW = Prepared(
    select(*FOLLOW_COLUMNS).where(
        follows.c.project_id == bindparam("project_id"),
        follows.c.follower_id == bindparam("follower_id"),
        follows.c.followed_id == bindparam("followed_id"),
    )
)


async def find_follow(
    connection: AsyncConnection,
    project_id: uuid.UUID,
    follower_id: uuid.UUID,
    followed_id: uuid.UUID,
) -> Row | None:
    parameters = {"project_id": project_id, "follower_id": follower_id, "followed_id": followed_id}
    return await FIND_FOLLOW.row(connection, parameters)


async def follow_exists(
    connection: AsyncConnection, project_id: uuid.UUID, follow_id: uuid.UUID
) -> bool:
    its_id = matching(follows, project_id=project_id, id=follow_id)
    return await connection.scalar(select(follows.c.id).where(its_id)) is not None


async def delete_follow(
    connection: AsyncConnection,
    project_id: uuid.UUID,
    follower_id: uuid.UUID,
    followed_id: uuid.UUID,
) -> RowMapping | None:
    pair = matching(
        follows, project_id=project_id, follower_id=follower_id, followed_id=followed_id
    )
    return await one_or_none(connection, delete(follows).where(pair).returning(*FOLLOW_COLUMNS))


async def delete_follow_by_id(
    connection: AsyncConnection,
    project_id: uuid.UUID,
    follow_id: uuid.UUID,
    follower_id: uuid.UUID,
) -> RowMapping | None:
    """Deletes the follow only if `follower_id` is its follower (the check is the WHERE)."""
    its = matching(follows, project_id=project_id, id=follow_id, follower_id=follower_id)
    return await one_or_none(connection, delete(follows).where(its).returning(*FOLLOW_COLUMNS))


async def adjust_follow_counts(
    connection: AsyncConnection,
    project_id: uuid.UUID,
    follower_id: uuid.UUID,
    followed_id: uuid.UUID,
    delta: int,
) -> dict[uuid.UUID, RowMapping]:
    """Moves the follower's following count and the followed user's followers count by
    `delta` in one statement (both rows locked in index order, so no deadlock between two
    changes touching the same users); returns both public profiles."""
    result = await connection.execute(
        update(users)
        .where(users.c.project_id == project_id, users.c.id.in_((follower_id, followed_id)))
        .values(
            followers_count=users.c.followers_count
            + case((users.c.id == followed_id, delta), else_=0),
            following_count=users.c.following_count
            + case((users.c.id == follower_id, delta), else_=0),
        )
        .returning(*PUBLIC_USER_COLUMNS, users.c.followers_count)
    )
    profiles = {row["id"]: row for row in result.mappings()}
    if followed_id in profiles:
        count = profiles[followed_id]["followers_count"]
        await index.follower_count_changed(connection, project_id, followed_id, count, delta)
    return profiles


async def claim_notice(
    connection: AsyncConnection,
    project_id: uuid.UUID,
    follower_id: uuid.UUID,
    followed_id: uuid.UUID,
    now: datetime,
    not_since: datetime,
) -> bool:
    """True when the followed user was not told of this follower since `not_since`; the
    claim and its time are written by the same statement, so only one follow can win it."""
    statement = dialect_insert(connection, follow_notices).values(
        project_id=project_id, follower_id=follower_id, followed_id=followed_id, notified_at=now
    )
    statement = statement.on_conflict_do_update(
        index_elements=["project_id", "followed_id", "follower_id"],
        set_={"notified_at": statement.excluded.notified_at},
        where=follow_notices.c.notified_at <= not_since,
    ).returning(follow_notices.c.notified_at)
    result = await connection.execute(statement)
    return result.first() is not None


def _edges(
    direction: Direction, fields: tuple[SearchField, ...] | None, filtered: bool
) -> Select[Any]:
    listed, other = LISTED_SIDE[direction], OTHER_SIDE[direction]
    statement = (
        select(
            follows.c.id.label("follow_id"),
            follows.c.created_at.label("followed_at"),
            *(column.label(f"user_{column.name}") for column in PUBLIC_USER_COLUMNS),
        )
        .join(
            users,
            and_(users.c.project_id == follows.c.project_id, users.c.id == follows.c[other]),
        )
        .where(
            follows.c.project_id == bindparam("project_id"),
            follows.c[listed] == bindparam("user_id"),
        )
    )
    if fields is not None:
        statement = statement.where(user_matches(fields))
    if filtered:
        # On the edge's column, not the joined user's: the filter then rides the index
        # scan of the user's edges instead of a pass over the project's users.
        statement = statement.where(visible(follows.c[other]))
    return statement


@functools.cache
def _page_statement(
    direction: Direction, fields: tuple[SearchField, ...] | None, filtered: bool, after: bool
) -> Select[Any]:
    # Newest first straight from the (project, listed user, created_at, id) index; a
    # viewer's hidden users are skipped on the way (a hashed anti-join over their blocks).
    # After a cursor, the index range starts at the cursor's position.
    statement = _edges(direction, fields, filtered)
    if after:
        statement = statement.where(after_position(follows.c.created_at, follows.c.id))
    return newest_first(statement, follows.c.created_at, follows.c.id)


@functools.cache
def _matching_count(
    direction: Direction, fields: tuple[SearchField, ...], filtered: bool
) -> Select[Any]:
    return select(func.count()).select_from(_edges(direction, fields, filtered).subquery())


@functools.cache
def _hidden_count(direction: Direction) -> Select[Any]:
    """Follows of the user with anyone hidden from the viewer: one probe of the pair's
    unique index per user in the viewer's (small) hidden set (a correlated subquery, so
    the planner cannot trade it for a pass over the user's follows)."""
    hidden = hidden_users().subquery()
    probe = (
        select(func.count())
        .where(
            follows.c.project_id == bindparam("project_id"),
            follows.c[OTHER_SIDE[direction]] == hidden.c.user_id,
            follows.c[LISTED_SIDE[direction]] == bindparam("user_id", type_=Uuid),
        )
        .correlate(hidden)
        .scalar_subquery()
    )
    return select(func.coalesce(func.sum(probe), 0)).select_from(hidden)


async def list_page(
    connection: AsyncConnection,
    project_id: uuid.UUID,
    user_id: uuid.UUID,
    direction: Direction,
    listing: Listing,
    search: Search | None,
    viewer: Viewer,
) -> list[Row]:
    parameters = {
        **list_parameters(project_id, user_id, search, viewer),
        **page_parameters(listing),
    }
    fields = search[1] if search else None
    statement = _prepared_page(direction, fields, viewer.filters(user_id), reads_after(listing))
    return await statement.rows(connection, parameters)


@functools.cache
def _prepared_page(
    direction: Direction, fields: tuple[SearchField, ...] | None, filtered: bool, after: bool
) -> Prepared:
    return Prepared(_page_statement(direction, fields, filtered, after))


async def count_matching(
    connection: AsyncConnection,
    project_id: uuid.UUID,
    user_id: uuid.UUID,
    direction: Direction,
    search: Search,
    viewer: Viewer,
) -> int:
    statement = _matching_count(direction, search[1], viewer.filters(user_id))
    parameters = list_parameters(project_id, user_id, search, viewer)
    return await connection.scalar(statement, parameters) or 0


async def count_hidden(
    connection: AsyncConnection,
    project_id: uuid.UUID,
    user_id: uuid.UUID,
    direction: Direction,
    viewer: Viewer,
) -> int:
    """How many of the user's followers (or followed users) the viewer may not see."""
    if not viewer.filters(user_id):
        return 0
    parameters = list_parameters(project_id, user_id, None, viewer)
    # PostgreSQL sums bigints into numeric: back to an int.
    return int(await connection.scalar(_hidden_count(direction), parameters) or 0)


async def delete_between(
    connection: AsyncConnection, project_id: uuid.UUID, a: uuid.UUID, b: uuid.UUID
) -> list[Row]:
    """Deletes the follows between two users, both ways (a block severs them)."""
    result = await connection.execute(
        delete(follows)
        .where(
            follows.c.project_id == project_id,
            or_(
                and_(follows.c.follower_id == a, follows.c.followed_id == b),
                and_(follows.c.follower_id == b, follows.c.followed_id == a),
            ),
        )
        .returning(*FOLLOW_COLUMNS)
    )
    removed: list[Row] = list(result.mappings())
    return removed
