"""Every query of the connections feature. Each one starts from the project id.

State changes are single conditional statements (UPDATE/DELETE … WHERE <expected state>
… RETURNING, INSERT … ON CONFLICT DO NOTHING): the database decides races, and the
caller learns from the returned row whether its transition happened.
"""

import functools
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from sqlalchemy import (
    ColumnClause,
    ColumnElement,
    Integer,
    RowMapping,
    Select,
    String,
    Uuid,
    and_,
    any_,
    bindparam,
    case,
    delete,
    func,
    literal_column,
    or_,
    select,
    true,
    union_all,
    update,
)
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.sql.dml import ReturningDelete, ReturningUpdate

from mutuals.kit.cursors import Listing, after_position, depth, page_parameters, reads_after
from mutuals.kit.db.database import InsertUnlessTaken
from mutuals.kit.db.paging import newest_first
from mutuals.kit.db.prepared import Prepared, Row
from mutuals.kit.db.rows import one_or_none
from mutuals.kit.pagination import PageRequest
from mutuals.models import connections, users
from mutuals.models.base import UtcDateTime
from mutuals.users.schemas import PUBLIC_USER_COLUMNS
from mutuals.users.search import Search, SearchField, list_parameters, user_matches
from mutuals.visibility.filters import (
    Viewer,
    blocked_either_way,
    blocks_viewer,
    hidden_users,
    visible,
)

Side = Literal["requester_id", "receiver_id"]

# Literals, not bound parameters: the planner can then match the partial indexes.
PENDING: ColumnClause[str] = literal_column("'pending'", String())
ACCEPTED: ColumnClause[str] = literal_column("'accepted'", String())
DECLINED: ColumnClause[str] = literal_column("'declined'", String())

RECORD_COLUMNS = (
    connections.c.id,
    connections.c.requester_id,
    connections.c.receiver_id,
    connections.c.status,
    connections.c.message,
    connections.c.created_at,
    connections.c.responded_at,
)


@dataclass(frozen=True)
class Changed:
    record: Row
    # The acting user's public profile, when the change moved the counters.
    profile: Row | None


def canonical_pair(a: uuid.UUID, b: uuid.UUID) -> tuple[uuid.UUID, uuid.UUID]:
    return (a, b) if a < b else (b, a)


def _pair_is(project_id: uuid.UUID, a: uuid.UUID, b: uuid.UUID) -> ColumnElement[bool]:
    low, high = canonical_pair(a, b)
    return and_(
        connections.c.project_id == project_id,
        connections.c.pair_low_id == low,
        connections.c.pair_high_id == high,
    )


def pair_is(
    record: Any,
    a: ColumnElement[Any],
    b: ColumnElement[Any],
    project: ColumnElement[Any] | None = None,
) -> ColumnElement[bool]:
    """In SQL: `record` (the table or an alias) is the row of the pair (a, b) in the bound
    project (`project_id`, or `project` when given), whichever of the two is smaller: a
    probe of the pair's unique index."""
    return and_(
        record.c.project_id == (bindparam("project_id") if project is None else project),
        record.c.pair_low_id == case((a < b, a), else_=b),
        record.c.pair_high_id == case((a < b, b), else_=a),
    )


def _id_is(project_id: uuid.UUID, connection_id: uuid.UUID) -> ColumnElement[bool]:
    return and_(connections.c.project_id == project_id, connections.c.id == connection_id)


# Hot read paths use statements built once with bind parameters: building a SQLAlchemy
# statement costs more Python time than the query itself takes in the database.
FIND_BETWEEN = Prepared(
    select(*RECORD_COLUMNS).where(
        connections.c.project_id == bindparam("project_id"),
        connections.c.pair_low_id == bindparam("low"),
        connections.c.pair_high_id == bindparam("high"),
    )
)


async def find_between(
    connection: AsyncConnection, project_id: uuid.UUID, a: uuid.UUID, b: uuid.UUID
) -> Row | None:
    low, high = canonical_pair(a, b)
    return await FIND_BETWEEN.row(connection, {"project_id": project_id, "low": low, "high": high})


async def find_by_id(
    connection: AsyncConnection, project_id: uuid.UUID, connection_id: uuid.UUID
) -> RowMapping | None:
    return await one_or_none(
        connection,
        select(*RECORD_COLUMNS).where(_id_is(project_id, connection_id)),
    )


def fresh_request(
    connection_id: uuid.UUID,
    requester_id: uuid.UUID,
    receiver_id: uuid.UUID,
    message: str | None,
    now: datetime,
) -> dict[str, Any]:
    """The columns of a new pending request, whether inserted or replacing a declined one."""
    return {
        "id": connection_id,
        "requester_id": requester_id,
        "receiver_id": receiver_id,
        "status": "pending",
        "message": message,
        "created_at": now,
        "responded_at": None,
    }


# Parameters named unlike the table's columns: UPDATE statements use these too.
_PROJECT = bindparam("project", type_=Uuid)
_USER = bindparam("user", type_=Uuid)
_BY_ID = and_(
    connections.c.project_id == _PROJECT, connections.c.id == bindparam("connection", type_=Uuid)
)
_OTHER = bindparam("other", type_=Uuid)
_BY_PAIR = pair_is(connections, _USER, _OTHER, project=_PROJECT)


# A new pending request, unless any record holds the pair or either user blocks the other
# (checked in the insert itself, under the pair lock the change holds).
_INSERT_PENDING = InsertUnlessTaken(
    connections,
    [
        "project_id",
        "id",
        "requester_id",
        "receiver_id",
        "pair_low_id",
        "pair_high_id",
        "status",
        "message",
        "created_at",
    ],
    select(
        _PROJECT,
        bindparam("connection", type_=Uuid),
        _USER,
        _OTHER,
        bindparam("low", type_=Uuid),
        bindparam("high", type_=Uuid),
        PENDING,
        bindparam("note", type_=String),
        bindparam("now", type_=UtcDateTime()),
    ).where(~blocked_either_way(_USER, _OTHER, _PROJECT)),
    connections.c.id,
)


async def insert_pending(
    connection: AsyncConnection,
    project_id: uuid.UUID,
    connection_id: uuid.UUID,
    requester_id: uuid.UUID,
    receiver_id: uuid.UUID,
    message: str | None,
    now: datetime,
) -> bool:
    """True when inserted; False when a record already holds the pair, or a block stands
    between the two."""
    low, high = canonical_pair(requester_id, receiver_id)
    parameters = {
        "project": project_id,
        "connection": connection_id,
        "user": requester_id,
        "other": receiver_id,
        "low": low,
        "high": high,
        "note": message,
        "now": now,
    }
    inserted = await _INSERT_PENDING.row(connection, parameters)
    return inserted is not None


async def replace_declined_by_receiver(
    connection: AsyncConnection,
    project_id: uuid.UUID,
    connection_id: uuid.UUID,
    requester_id: uuid.UUID,
    receiver_id: uuid.UUID,
    message: str | None,
    now: datetime,
) -> bool:
    """The one who declined asks back: the declined record becomes a fresh pending one."""
    statement = (
        update(connections)
        .where(
            _pair_is(project_id, requester_id, receiver_id),
            connections.c.status == DECLINED,
            connections.c.receiver_id == requester_id,
        )
        .values(**fresh_request(connection_id, requester_id, receiver_id, message, now))
        .returning(connections.c.id)
    )
    return (await connection.scalar(statement)) is not None


def _pending_to(decision: str, where: ColumnElement[bool]) -> Prepared:
    return Prepared(
        update(connections)
        .where(where, connections.c.status == PENDING)
        .values(status=decision, responded_at=bindparam("now", type_=UtcDateTime()))
        .returning(*RECORD_COLUMNS)
    )


# Accept or decline by id, only if pending and addressed to the receiver.
_RESPOND = {
    decision: _pending_to(decision, and_(_BY_ID, connections.c.receiver_id == _USER))
    for decision in ("accepted", "declined")
}
# The receiver declines by the other user's id.
_DECLINE_BETWEEN = _pending_to("declined", and_(_BY_PAIR, connections.c.receiver_id == _USER))


async def respond_to_pending(
    connection: AsyncConnection,
    project_id: uuid.UUID,
    connection_id: uuid.UUID,
    receiver_id: uuid.UUID,
    status: Literal["accepted", "declined"],
    now: datetime,
) -> Changed | None:
    """Accept or decline, only if the record is pending and addressed to `receiver_id`;
    an acceptance moves both users' counters (and returns the receiver's profile)."""
    parameters = {
        "project": project_id,
        "connection": connection_id,
        "user": receiver_id,
        "now": now,
    }
    if status == "accepted":
        return await _ACCEPT.run(connection, parameters)
    declined = await _RESPOND["declined"].row(connection, parameters)
    return None if declined is None else Changed(declined, None)


async def decline_pending_between(
    connection: AsyncConnection,
    project_id: uuid.UUID,
    receiver_id: uuid.UUID,
    requester_id: uuid.UUID,
    now: datetime,
) -> Row | None:
    parameters = {"project": project_id, "user": receiver_id, "other": requester_id, "now": now}
    return await _DECLINE_BETWEEN.row(connection, parameters)


# Withdraw: the requester of a pending record. Disconnect: either party of an accepted one.
_REMOVABLE = or_(
    and_(connections.c.status == PENDING, connections.c.requester_id == _USER),
    and_(
        connections.c.status == ACCEPTED,
        or_(connections.c.requester_id == _USER, connections.c.receiver_id == _USER),
    ),
)


async def delete_by_id_if_removable(
    connection: AsyncConnection,
    project_id: uuid.UUID,
    connection_id: uuid.UUID,
    user_id: uuid.UUID,
) -> Row | None:
    """Withdraws or disconnects; a disconnection moves both users' counters."""
    parameters = {"project": project_id, "connection": connection_id, "user": user_id}
    removed = await _DELETE_BY_ID.run(connection, parameters)
    return None if removed is None else removed.record


async def delete_between_if_removable(
    connection: AsyncConnection, project_id: uuid.UUID, user_id: uuid.UUID, other_id: uuid.UUID
) -> Row | None:
    """As `delete_by_id_if_removable`, by the other user's id."""
    parameters = {"project": project_id, "user": user_id, "other": other_id}
    removed = await _DELETE_BETWEEN.run(connection, parameters)
    return None if removed is None else removed.record


# One statement for both rows: PostgreSQL locks them in index order, so two transitions
# touching the same users cannot deadlock on the counters.
_ADJUST_COUNTS = Prepared(
    update(users)
    .where(
        users.c.project_id == _PROJECT,
        users.c.id.in_([bindparam("a", type_=Uuid), bindparam("b", type_=Uuid)]),
    )
    .values(connections_count=users.c.connections_count + bindparam("delta", type_=Integer))
    .returning(*PUBLIC_USER_COLUMNS)
)


async def adjust_connection_counts(
    connection: AsyncConnection,
    project_id: uuid.UUID,
    a: uuid.UUID,
    b: uuid.UUID,
    delta: int,
) -> dict[uuid.UUID, Row]:
    """Add `delta` to both users' counters; returns their public profiles."""
    parameters = {"project": project_id, "a": a, "b": b, "delta": delta}
    rows = await _ADJUST_COUNTS.rows(connection, parameters)
    return {row["id"]: row for row in rows}


class CountedChange:
    """A conditional change of one record (RETURNING its columns) that, when the record
    is (or was, for a deletion) accepted, adds `delta` to both users' counters.

    PostgreSQL: one statement, the change a CTE that the counter update reads, so a
    transition costs one round trip; the users' rows are locked in key order (an array
    probe of the primary key), after the record's, as in every change. SQLite: the same
    change, then `adjust_connection_counts` (no network between them)."""

    def __init__(self, change: ReturningUpdate[Any] | ReturningDelete[Any], delta: int) -> None:
        self.alone = Prepared(change)
        self.delta = delta
        changed = change.cte("changed")
        linked = union_all(
            select(changed.c.requester_id).where(changed.c.status == ACCEPTED),
            select(changed.c.receiver_id).where(changed.c.status == ACCEPTED),
        )
        counted = (
            update(users)
            .where(
                users.c.project_id == _PROJECT,
                users.c.id == any_(func.array(linked.scalar_subquery())),
            )
            .values(connections_count=users.c.connections_count + delta)
            .returning(*PUBLIC_USER_COLUMNS)
            .cte("counted")
        )
        self.fused = Prepared(
            select(
                *(changed.c[column.name] for column in RECORD_COLUMNS),
                *(
                    counted.c[column.name].label(f"user_{column.name}")
                    for column in PUBLIC_USER_COLUMNS
                ),
            ).select_from(changed.outerjoin(counted, counted.c.id == _USER))
        )

    async def run(self, connection: AsyncConnection, parameters: dict[str, Any]) -> Changed | None:
        if connection.dialect.name == "postgresql":
            row = await self.fused.row(connection, parameters)
            if row is None:
                return None
            record = {column.name: row[column.name] for column in RECORD_COLUMNS}
            if row["user_id"] is None:
                return Changed(record, None)
            profile = {column.name: row[f"user_{column.name}"] for column in PUBLIC_USER_COLUMNS}
            return Changed(record, profile)
        found = await self.alone.row(connection, parameters)
        if found is None:
            return None
        if found["status"] != "accepted":
            return Changed(found, None)
        profiles = await adjust_connection_counts(
            connection,
            parameters["project"],
            found["requester_id"],
            found["receiver_id"],
            self.delta,
        )
        return Changed(found, profiles.get(parameters["user"]))


_ACCEPT = CountedChange(_RESPOND["accepted"].statement, +1)  # type: ignore[arg-type]
_DELETE_BY_ID = CountedChange(
    delete(connections).where(_BY_ID, _REMOVABLE).returning(*RECORD_COLUMNS), -1
)
_DELETE_BETWEEN = CountedChange(
    delete(connections).where(_BY_PAIR, _REMOVABLE).returning(*RECORD_COLUMNS), -1
)


CONNECTION_COUNT = Prepared(
    select(users.c.connections_count).where(
        users.c.project_id == bindparam("project_id"), users.c.id == bindparam("user_id")
    )
)


async def connection_count(
    connection: AsyncConnection, project_id: uuid.UUID, user_id: uuid.UUID
) -> int | None:
    """The user's accepted connections, or None when there is no such user."""
    parameters = {"project_id": project_id, "user_id": user_id}
    count: int | None = await CONNECTION_COUNT.scalar(connection, parameters)
    return count


def _accepted_side(
    side: Side, fields: tuple[SearchField, ...] | None, filtered: bool
) -> Select[Any]:
    other: Side = "receiver_id" if side == "requester_id" else "requester_id"
    statement = (
        select(
            connections.c.id.label("connection_id"),
            connections.c.created_at.label("requested_at"),
            connections.c.responded_at.label("connected_at"),
            *(column.label(f"user_{column.name}") for column in PUBLIC_USER_COLUMNS),
        )
        .join(
            users,
            and_(
                users.c.project_id == connections.c.project_id,
                users.c.id == connections.c[other],
            ),
        )
        .where(
            connections.c.project_id == bindparam("project_id"),
            connections.c[side] == bindparam("user_id"),
            connections.c.status == ACCEPTED,
        )
    )
    if fields is not None:
        statement = statement.where(user_matches(fields))
    if filtered:
        # On the edge's column, not the joined user's: the filter then rides the index
        # scan of the user's edges instead of a pass over the project's users.
        statement = statement.where(visible(connections.c[other]))
    return statement


SIDES: tuple[Side, Side] = ("requester_id", "receiver_id")


@functools.cache
def _accepted_page(fields: tuple[SearchField, ...] | None, filtered: bool, after: bool) -> Prepared:
    """Newest first, from the two partial indexes merged.

    The user may be either side of a record; each side is read in order from its own
    index, cut at offset + limit, and only those rows are merged, so page 1 costs the
    same for a user with ten connections and one with a hundred thousand. A viewer's
    hidden users are skipped on the way (a hashed anti-join over the viewer's blocks).
    After a cursor, each side's range starts at the cursor's position instead.
    """
    branches = []
    for side in SIDES:
        statement = _accepted_side(side, fields, filtered)
        if after:
            statement = statement.where(
                after_position(connections.c.responded_at, connections.c.id)
            )
        branch = (
            statement.order_by(connections.c.responded_at.desc(), connections.c.id.desc())
            .limit(bindparam("depth", type_=Integer))
            .subquery()
        )
        branches.append(select(branch))
    merged = union_all(*branches).subquery()
    return Prepared(
        newest_first(
            select(merged),
            merged.c.connected_at,
            merged.c.connection_id,
        )
    )


@functools.cache
def _accepted_count(side: Side, fields: tuple[SearchField, ...], filtered: bool) -> Select[Any]:
    return select(func.count()).select_from(_accepted_side(side, fields, filtered).subquery())


@functools.cache
def _hidden_accepted_count() -> Select[Any]:
    """Accepted connections of the user with anyone hidden from the viewer: one probe of
    the pair's unique index per user in the viewer's (small) hidden set (a correlated
    subquery, so the planner cannot trade it for a pass over the project's connections)."""
    hidden = hidden_users().subquery()
    user = bindparam("user_id", type_=Uuid)
    probe = (
        select(func.count())
        .where(pair_is(connections, hidden.c.user_id, user), connections.c.status == ACCEPTED)
        .correlate(hidden)
        .scalar_subquery()
    )
    return select(func.coalesce(func.sum(probe), 0)).select_from(hidden)


# Count the listed user's hidden connections by scanning their edges while the user has at
# most this many connections per user the viewer hides; past that, probe the pair index once
# per hidden user. An edge read from the covering index costs a fraction of a probe (on
# PostgreSQL; SQLite re-reads the hidden set for every edge, so there it always probes).
EDGE_SCAN_PER_HIDDEN_USER = 8


@functools.cache
def _visible_count_statement() -> Prepared:
    """For a viewer who filters: the user's counter, whether the user blocks the viewer,
    and how many of the user's connections the viewer may not see, in one statement.

    The hidden count reads the cheaper side, chosen in the statement from the counter and
    the size of the viewer's hidden set: the user's edges (semi-joined with the hidden set,
    hashed once) or one probe of the pair index per hidden user.
    """
    user = bindparam("user_id", type_=Uuid)
    hidden_size = select(func.count()).select_from(hidden_users().subquery()).scalar_subquery()
    edge_counts = [
        select(func.count())
        .select_from(connections)
        .where(
            connections.c.project_id == bindparam("project_id"),
            connections.c[side] == user,
            connections.c.status == ACCEPTED,
            connections.c[other].in_(hidden_users()),
        )
        .scalar_subquery()
        for side, other in (("requester_id", "receiver_id"), ("receiver_id", "requester_id"))
    ]
    counter = users.c.connections_count
    hidden = case(
        (
            counter <= hidden_size * bindparam("edge_scan_ratio", type_=Integer),
            edge_counts[0] + edge_counts[1],
        ),
        else_=_hidden_accepted_count().scalar_subquery(),
    )
    return Prepared(
        select(
            counter.label("counter"),
            blocks_viewer(users.c.id).label("blocks_viewer"),
            hidden.label("hidden"),
        ).where(users.c.project_id == bindparam("project_id"), users.c.id == user)
    )


async def visible_count(
    connection: AsyncConnection, project_id: uuid.UUID, user_id: uuid.UUID, viewer: Viewer
) -> int | None:
    """The user's accepted connections the viewer may see; None when the user does not
    exist for the viewer (no such user, or one who blocks the viewer)."""
    if not viewer.filters(user_id):
        return await connection_count(connection, project_id, user_id)
    parameters = list_parameters(project_id, user_id, None, viewer)
    postgres = connection.dialect.name == "postgresql"
    parameters["edge_scan_ratio"] = EDGE_SCAN_PER_HIDDEN_USER if postgres else -1
    row = await _visible_count_statement().row(connection, parameters)
    if row is None or row["blocks_viewer"]:
        return None
    # PostgreSQL sums bigints into numeric: back to an int.
    return int(row["counter"]) - int(row["hidden"] or 0)


async def list_accepted(
    connection: AsyncConnection,
    project_id: uuid.UUID,
    user_id: uuid.UUID,
    listing: Listing,
    search: Search | None,
    viewer: Viewer,
) -> list[Row]:
    parameters = {
        **list_parameters(project_id, user_id, search, viewer),
        **page_parameters(listing),
        "depth": depth(listing),
    }
    statement = _accepted_page(
        search[1] if search else None, viewer.filters(user_id), reads_after(listing)
    )
    return await statement.rows(connection, parameters)


async def count_accepted_matching(
    connection: AsyncConnection,
    project_id: uuid.UUID,
    user_id: uuid.UUID,
    search: Search,
    viewer: Viewer,
) -> int:
    parameters = list_parameters(project_id, user_id, search, viewer)
    total = 0
    for side in SIDES:
        statement = _accepted_count(side, search[1], viewer.filters(user_id))
        total += await connection.scalar(statement, parameters) or 0
    return total


@functools.cache
def _pending_statement(side: Side, after: bool, counted: bool) -> Prepared:
    """A page (after a cursor's item when `after`) or, when `counted`, a numbered page with
    the total in the same statement: one row per request on the page, each carrying the
    total, or a single row of the total alone when the page is empty (the page joined to
    the count, not the other way)."""
    other: Side = "receiver_id" if side == "requester_id" else "requester_id"
    mine = and_(
        connections.c.project_id == bindparam("project_id"),
        connections.c[side] == bindparam("user_id"),
        connections.c.status == PENDING,
    )
    count = select(func.count().label("total")).select_from(connections).where(mine)
    if after:
        mine = and_(mine, after_position(connections.c.created_at, connections.c.id))
    page = newest_first(
        select(
            connections.c.id.label("connection_id"),
            connections.c.message,
            connections.c.created_at.label("requested_at"),
            *(column.label(f"user_{column.name}") for column in PUBLIC_USER_COLUMNS),
        )
        .join(
            users,
            and_(
                users.c.project_id == connections.c.project_id,
                users.c.id == connections.c[other],
            ),
        )
        .where(mine),
        connections.c.created_at,
        connections.c.id,
    )
    if not counted:
        return Prepared(page)
    total, paged = count.subquery("counted"), page.subquery("paged")
    return Prepared(
        select(total.c.total, *paged.c)
        .select_from(total.outerjoin(paged, true()))
        .order_by(paged.c.requested_at.desc(), paged.c.connection_id.desc())
    )


async def list_pending(
    connection: AsyncConnection,
    project_id: uuid.UUID,
    user_id: uuid.UUID,
    side: Side,
    listing: Listing,
) -> tuple[list[Row], int | None]:
    """A page of pending requests, and their total (None for a page by cursor)."""
    numbered = isinstance(listing, PageRequest)
    statement = _pending_statement(side, reads_after(listing), numbered)
    parameters = {"project_id": project_id, "user_id": user_id, **page_parameters(listing)}
    rows = await statement.rows(connection, parameters)
    if not numbered:
        return rows, None
    total: int = rows[0]["total"]
    return [row for row in rows if row["connection_id"] is not None], total


async def delete_between(
    connection: AsyncConnection, project_id: uuid.UUID, a: uuid.UUID, b: uuid.UUID
) -> RowMapping | None:
    """Deletes the record between two users, whatever its state (a block severs it)."""
    return await one_or_none(
        connection,
        delete(connections).where(_pair_is(project_id, a, b)).returning(*RECORD_COLUMNS),
    )
