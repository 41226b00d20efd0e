"""Who a viewer may see (API.md §7.5): the one home of block-aware reads.

While A blocks B, neither appears in lists or counts the other views (a third user's lists
included), and A does not exist for B at all. Every list and count builder takes a
`Viewer`, so a list cannot forget to ask; the SQL below reads only the viewer's own
blocks (two index ranges), never the listed user's edges.
"""

import functools
import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    ColumnElement,
    CompoundSelect,
    Exists,
    Uuid,
    bindparam,
    exists,
    or_,
    select,
    union,
)
from sqlalchemy.ext.asyncio import AsyncConnection

from mutuals.kit.db.prepared import Prepared
from mutuals.models import blocks, users


@dataclass(frozen=True)
class Viewer:
    """Who is looking: a signed-in user (or a service key acting for one), or nobody."""

    user_id: uuid.UUID | None

    def filters(self, listed_user_id: uuid.UUID) -> bool:
        """Whether lists of `listed_user_id` need filtering for this viewer. Anonymous
        visitors see everything; a user's own lists hold nobody they share a block with,
        since a block severs every follow and connection between the two."""
        return self.user_id is not None and self.user_id != listed_user_id


def viewer_parameters(viewer: Viewer, listed_user_id: uuid.UUID) -> dict[str, Any]:
    """The bind parameters a filtered statement of `listed_user_id`'s lists needs."""
    return {"viewer_id": viewer.user_id} if viewer.filters(listed_user_id) else {}


def hidden_users() -> CompoundSelect[Any]:
    """Users the bound `viewer_id` blocks or is blocked by, in the bound `project_id`."""
    return union(
        select(blocks.c.blocked_id.label("user_id")).where(
            blocks.c.project_id == bindparam("project_id"),
            blocks.c.blocker_id == bindparam("viewer_id"),
        ),
        select(blocks.c.blocker_id.label("user_id")).where(
            blocks.c.project_id == bindparam("project_id"),
            blocks.c.blocked_id == bindparam("viewer_id"),
        ),
    )


def visible(user_column: ColumnElement[Any]) -> ColumnElement[bool]:
    """The user in `user_column` is not hidden from the bound `viewer_id`."""
    return user_column.not_in(hidden_users())


def blocked_either_way(
    a: ColumnElement[Any], b: ColumnElement[Any], project: ColumnElement[Any]
) -> Exists:
    """In SQL: either of the two users blocks the other (for each, the other does not
    exist); a change that would link them carries it as its condition."""
    return exists().where(
        blocks.c.project_id == project,
        or_(
            (blocks.c.blocker_id == a) & (blocks.c.blocked_id == b),
            (blocks.c.blocker_id == b) & (blocks.c.blocked_id == a),
        ),
    )


_A = bindparam("a", type_=Uuid)
_B = bindparam("b", type_=Uuid)
BLOCKED_BETWEEN = Prepared(select(blocked_either_way(_A, _B, bindparam("project_id"))))


async def blocked_between(
    connection: AsyncConnection, project_id: uuid.UUID, a: uuid.UUID, b: uuid.UUID
) -> bool:
    """Whether either of the two blocks the other."""
    found = await BLOCKED_BETWEEN.scalar(connection, {"project_id": project_id, "a": a, "b": b})
    return bool(found)


def blocks_viewer(user_column: ColumnElement[Any]) -> ColumnElement[bool]:
    """The user in `user_column` blocks the bound `viewer_id`: for the viewer, that user
    does not exist."""
    return exists().where(
        blocks.c.project_id == bindparam("project_id"),
        blocks.c.blocker_id == user_column,
        blocks.c.blocked_id == bindparam("viewer_id"),
    )


HIDES_FROM_VIEWER = select(blocks_viewer(bindparam("user_id", type_=Uuid)))


async def hidden_from(
    connection: AsyncConnection, project_id: uuid.UUID, user_id: uuid.UUID, viewer: Viewer
) -> bool:
    """Whether `user_id` does not exist for this viewer: they block the viewer."""
    if not viewer.filters(user_id):
        return False
    parameters = {"project_id": project_id, "user_id": user_id, "viewer_id": viewer.user_id}
    return bool(await connection.scalar(HIDES_FROM_VIEWER, parameters))


@functools.cache
def _counter_statement(counter: str) -> Prepared:
    return Prepared(
        select(
            users.c[counter].label("counter"), blocks_viewer(users.c.id).label("blocks_viewer")
        ).where(users.c.project_id == bindparam("project_id"), users.c.id == bindparam("user_id"))
    )


async def visible_counter(
    connection: AsyncConnection,
    project_id: uuid.UUID,
    user_id: uuid.UUID,
    viewer: Viewer,
    counter: str,
) -> int | None:
    """One of the user's counters (`connections_count`, …), or None when the user does not
    exist for the viewer (no such user, or one who blocks the viewer): one statement."""
    parameters = {"project_id": project_id, "user_id": user_id, "viewer_id": viewer.user_id}
    row = await _counter_statement(counter).row(connection, parameters)
    if row is None or (viewer.filters(user_id) and row["blocks_viewer"]):
        return None
    return int(row["counter"])
