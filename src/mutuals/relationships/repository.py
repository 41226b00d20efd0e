"""Every query of §8. Each starts from the project id and answers a whole batch at once.

The caller's own edges never cross a block (a block severs follows and connections, and
none can be made across one), so users reached through them need no viewer filter; users
reached through someone else's edges (suggestions) are filtered explicitly.
"""

import functools
import uuid
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any, Literal

from sqlalchemy import (
    ColumnElement,
    CompoundSelect,
    Integer,
    RowMapping,
    Select,
    String,
    Subquery,
    and_,
    bindparam,
    case,
    exists,
    func,
    literal,
    select,
    true,
    union_all,
)
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.sql.elements import BindParameter, KeyedColumnElement

from mutuals.connections.repository import ACCEPTED, RECORD_COLUMNS
from mutuals.db import dialect_insert
from mutuals.models import blocks, connections, follows, suggestion_dismissals, users
from mutuals.pagination import PageRequest
from mutuals.users.schemas import PUBLIC_USER_COLUMNS
from mutuals.visibility import hidden_users

# Suggestions rank a bounded sample of the second hop (API.md §8.4): the caller's most
# recent FIRST_HOP_SAMPLE connections, each contributing its SECOND_HOP_SAMPLE most recent
# connections. At most 200 x 50 = 10,000 edges are ranked, whatever the graph; a candidate
# known only through older edges of a well-connected friend is missed, and a mutual count
# can fall short of the true one when sampling applies. Below both bounds it is exact.
FIRST_HOP_SAMPLE = 200
SECOND_HOP_SAMPLE = 50
# Mutual users shown with each suggestion.
SHOWN_MUTUALS = 3

RelationKind = Literal["found", "following", "followed_by", "blocking", "mutuals"]

PROJECT: BindParameter[Any] = bindparam("project_id")
IDS: BindParameter[Any] = bindparam("ids", expanding=True)
CALLER: BindParameter[Any] = bindparam("caller_id")
OTHER: BindParameter[Any] = bindparam("other_id")


def _user_columns() -> list[KeyedColumnElement[Any]]:
    return [column.label(f"user_{column.name}") for column in PUBLIC_USER_COLUMNS]


def _joined_user(user_id: ColumnElement[Any]) -> ColumnElement[bool]:
    return and_(users.c.project_id == PROJECT, users.c.id == user_id)


def accepted_edges(owner_is: Callable[[ColumnElement[Any]], ColumnElement[bool]]) -> Subquery:
    """Accepted connections as (owner_id, other_id, connected_at, connection_id), the owner
    being whichever side `owner_is` selects: one branch per side, each on its own index."""
    branches = []
    for side, other in (("requester_id", "receiver_id"), ("receiver_id", "requester_id")):
        branches.append(
            select(
                connections.c[side].label("owner_id"),
                connections.c[other].label("other_id"),
                connections.c.responded_at.label("connected_at"),
                connections.c.id.label("connection_id"),
            ).where(
                connections.c.project_id == PROJECT,
                owner_is(connections.c[side]),
                connections.c.status == ACCEPTED,
            )
        )
    return union_all(*branches).subquery()


def _pair_probe(record: Any, a: ColumnElement[Any], b: ColumnElement[Any]) -> ColumnElement[bool]:
    """`record` is the row of the pair (a, b): a probe of the pair's unique index."""
    return and_(
        record.c.project_id == PROJECT,
        record.c.pair_low_id == case((a < b, a), else_=b),
        record.c.pair_high_id == case((a < b, b), else_=a),
    )


# --- Batch relationships (§8.1) -----------------------------------------------------


@functools.cache
def _relations_statement() -> CompoundSelect[Any]:
    """Every per-user fact but the connection record, as (kind, user_id, amount) rows: one
    statement whatever the number of ids."""
    block_of_caller = exists().where(
        blocks.c.project_id == PROJECT,
        blocks.c.blocker_id == users.c.id,
        blocks.c.blocked_id == CALLER,
    )
    found = select(
        literal("found", String).label("kind"),
        users.c.id.label("user_id"),
        literal(0).label("amount"),
    ).where(users.c.project_id == PROJECT, users.c.id.in_(IDS), ~block_of_caller)
    following = select(literal("following", String), follows.c.followed_id, literal(0)).where(
        follows.c.project_id == PROJECT,
        follows.c.follower_id == CALLER,
        follows.c.followed_id.in_(IDS),
    )
    followed_by = select(literal("followed_by", String), follows.c.follower_id, literal(0)).where(
        follows.c.project_id == PROJECT,
        follows.c.followed_id == CALLER,
        follows.c.follower_id.in_(IDS),
    )
    blocking = select(literal("blocking", String), blocks.c.blocked_id, literal(0)).where(
        blocks.c.project_id == PROJECT,
        blocks.c.blocker_id == CALLER,
        blocks.c.blocked_id.in_(IDS),
    )
    # Each listed user's accepted connections that are also the caller's: their edges,
    # semi-joined with the caller's (both index ranges).
    theirs = accepted_edges(lambda side: side.in_(IDS))
    mine = accepted_edges(lambda side: side == CALLER)
    mutuals = (
        select(literal("mutuals", String), theirs.c.owner_id, func.count())
        .where(theirs.c.other_id.in_(select(mine.c.other_id)))
        .group_by(theirs.c.owner_id)
    )
    return union_all(found, following, followed_by, blocking, mutuals)


@functools.cache
def _records_statement() -> CompoundSelect[Any]:
    """The connection records between the caller and any of the ids (either side)."""
    branches = [
        select(*RECORD_COLUMNS).where(
            connections.c.project_id == PROJECT,
            connections.c[mine_side] == CALLER,
            connections.c[their_side].in_(IDS),
        )
        for mine_side, their_side in (
            ("pair_low_id", "pair_high_id"),
            ("pair_high_id", "pair_low_id"),
        )
    ]
    return union_all(*branches)


async def relations(
    connection: AsyncConnection,
    project_id: uuid.UUID,
    caller_id: uuid.UUID,
    user_ids: Sequence[uuid.UUID],
) -> tuple[list[RowMapping], list[RowMapping]]:
    """(kind, user_id, amount) facts, and the connection records with the caller."""
    parameters = {"project_id": project_id, "caller_id": caller_id, "ids": list(user_ids)}
    facts = await connection.execute(_relations_statement(), parameters)
    records = await connection.execute(_records_statement(), parameters)
    return list(facts.mappings()), list(records.mappings())


# --- Mutual connections and known followers (§8.2, §8.3) ------------------------------

Driver = Literal["caller", "other"]


@functools.cache
def _mutual_connections(driver: Driver) -> tuple[Select[Any], Select[Any]]:
    """(page, count) of the caller's accepted connections who are also the other user's.

    Whichever of the two has fewer connections drives: its edges are read and each one's
    pair with the other user is probed, so the cost follows the smaller side, never a hub's.
    The order is always the caller's `connectedAt`, read from the caller's own record.
    """
    driver_id, probed_id = (CALLER, OTHER) if driver == "caller" else (OTHER, CALLER)
    edges = accepted_edges(lambda side: side == driver_id)
    probe = connections.alias("probe")
    joined = edges.join(
        probe,
        and_(_pair_probe(probe, edges.c.other_id, probed_id), probe.c.status == ACCEPTED),
    )
    connected_at = edges.c.connected_at if driver == "caller" else probe.c.responded_at
    record_id = edges.c.connection_id if driver == "caller" else probe.c.id
    page = (
        select(*_user_columns())
        .select_from(joined.join(users, _joined_user(edges.c.other_id)))
        .order_by(connected_at.desc(), record_id.desc())
        .limit(bindparam("page_limit", type_=Integer))
        .offset(bindparam("page_offset", type_=Integer))
    )
    return page, select(func.count()).select_from(joined)


@functools.cache
def _known_followers(driver: Driver) -> tuple[Select[Any], Select[Any]]:
    """(page, count) of the other user's followers whom the caller follows, newest follow
    of the other user first. Both follows are probes of the pair's unique index from
    whichever side is smaller: the caller's following or the other user's followers."""
    mine = follows.alias("mine")  # caller -> shared
    theirs = follows.alias("theirs")  # shared -> other
    if driver == "caller":
        joined = mine.join(
            theirs,
            and_(
                theirs.c.project_id == PROJECT,
                theirs.c.follower_id == mine.c.followed_id,
                theirs.c.followed_id == OTHER,
            ),
        )
    else:
        joined = theirs.join(
            mine,
            and_(
                mine.c.project_id == PROJECT,
                mine.c.follower_id == CALLER,
                mine.c.followed_id == theirs.c.follower_id,
            ),
        )
    joined_where = and_(
        mine.c.project_id == PROJECT,
        mine.c.follower_id == CALLER,
        theirs.c.project_id == PROJECT,
        theirs.c.followed_id == OTHER,
    )
    page = (
        select(*_user_columns())
        .select_from(joined.join(users, _joined_user(theirs.c.follower_id)))
        .where(joined_where)
        .order_by(theirs.c.created_at.desc(), theirs.c.id.desc())
        .limit(bindparam("page_limit", type_=Integer))
        .offset(bindparam("page_offset", type_=Integer))
    )
    return page, select(func.count()).select_from(joined).where(joined_where)


SharedList = Literal["mutual-connections", "known-followers"]
SHARED_LISTS = {"mutual-connections": _mutual_connections, "known-followers": _known_followers}


async def shared_page(
    connection: AsyncConnection,
    project_id: uuid.UUID,
    caller_id: uuid.UUID,
    other_id: uuid.UUID,
    shared: SharedList,
    driver: Driver,
    page: PageRequest,
) -> tuple[list[RowMapping], int]:
    page_statement, count_statement = SHARED_LISTS[shared](driver)
    parameters: dict[str, Any] = {
        "project_id": project_id,
        "caller_id": caller_id,
        "other_id": other_id,
    }
    total = await connection.scalar(count_statement, parameters) or 0
    if page.offset >= total:
        return [], total
    parameters |= {"page_limit": page.limit, "page_offset": page.offset}
    result = await connection.execute(page_statement, parameters)
    return list(result.mappings()), total


SIZE_COLUMNS = (
    users.c.id,
    users.c.connections_count,
    users.c.followers_count,
    users.c.following_count,
)


async def sizes(
    connection: AsyncConnection, project_id: uuid.UUID, user_ids: tuple[uuid.UUID, uuid.UUID]
) -> dict[uuid.UUID, RowMapping]:
    """The counters of two users (absent when there is no such user)."""
    result = await connection.execute(
        select(*SIZE_COLUMNS).where(users.c.project_id == project_id, users.c.id.in_(user_ids))
    )
    return {row["id"]: row for row in result.mappings()}


# --- Suggestions (§8.4, §8.5) --------------------------------------------------------


def _first_hop() -> Subquery:
    """The caller's FIRST_HOP_SAMPLE most recent accepted connections."""
    mine = accepted_edges(lambda side: side == CALLER)
    return (
        select(mine.c.other_id.label("via_id"), mine.c.connected_at.label("via_at"))
        .order_by(mine.c.connected_at.desc(), mine.c.connection_id.desc())
        .limit(FIRST_HOP_SAMPLE)
        .subquery("first_hop")
    )


def _second_hop_lateral(first_hop: Subquery) -> Select[Any]:
    """PostgreSQL: each first-hop user's SECOND_HOP_SAMPLE most recent connections, read
    straight from the ends of its two index ranges (LATERAL), never its whole list."""
    branches = []
    for side, other in (("requester_id", "receiver_id"), ("receiver_id", "requester_id")):
        branch = (
            select(
                connections.c[other].label("candidate_id"),
                connections.c.responded_at.label("at"),
                connections.c.id.label("record_id"),
            )
            .where(
                connections.c.project_id == PROJECT,
                connections.c[side] == first_hop.c.via_id,
                connections.c.status == ACCEPTED,
            )
            .order_by(connections.c.responded_at.desc(), connections.c.id.desc())
            .limit(SECOND_HOP_SAMPLE)
            .correlate(first_hop)
            .subquery()
        )
        branches.append(select(branch).correlate(first_hop))
    merged = union_all(*branches).subquery()
    recent = (
        select(merged.c.candidate_id, merged.c.at)
        .order_by(merged.c.at.desc(), merged.c.record_id.desc())
        .limit(SECOND_HOP_SAMPLE)
        .correlate(first_hop)
        .lateral("recent")
    )
    return select(
        first_hop.c.via_id, first_hop.c.via_at, recent.c.candidate_id, recent.c.at
    ).select_from(first_hop.join(recent, true()))


def _second_hop_windowed(first_hop: Subquery) -> Select[Any]:
    """SQLite (no LATERAL): the same sample, numbered per first-hop user by a window."""
    theirs = accepted_edges(lambda side: side.in_(select(first_hop.c.via_id)))
    numbered = select(
        theirs.c.owner_id,
        theirs.c.other_id,
        theirs.c.connected_at,
        func.row_number()
        .over(
            partition_by=theirs.c.owner_id,
            order_by=(theirs.c.connected_at.desc(), theirs.c.connection_id.desc()),
        )
        .label("position"),
    ).subquery()
    return select(
        first_hop.c.via_id,
        first_hop.c.via_at,
        numbered.c.other_id.label("candidate_id"),
        numbered.c.connected_at.label("at"),
    ).select_from(
        first_hop.join(
            numbered,
            and_(
                numbered.c.owner_id == first_hop.c.via_id,
                numbered.c.position <= SECOND_HOP_SAMPLE,
            ),
        )
    )


@functools.cache
def _suggestions_statement(lateral: bool) -> Select[Any]:
    first_hop = _first_hop()
    sample = (
        _second_hop_lateral(first_hop) if lateral else _second_hop_windowed(first_hop)
    ).subquery("sample")
    candidate = sample.c.candidate_id
    record = connections.alias("record")
    any_record = exists().where(_pair_probe(record, candidate, CALLER))
    dismissed = exists().where(
        suggestion_dismissals.c.project_id == PROJECT,
        suggestion_dismissals.c.user_id == CALLER,
        suggestion_dismissals.c.dismissed_user_id == candidate,
        suggestion_dismissals.c.dismissed_at > bindparam("dismissed_since"),
    )
    # A mutual connection is as recent as the later of its two connections.
    recency = case((sample.c.via_at > sample.c.at, sample.c.via_at), else_=sample.c.at)
    ranked = (
        select(
            candidate.label("candidate_id"),
            sample.c.via_id,
            func.count().over(partition_by=candidate).label("mutuals"),
            func.max(recency).over(partition_by=candidate).label("latest"),
            func.row_number()
            .over(partition_by=candidate, order_by=(recency.desc(), sample.c.via_id))
            .label("position"),
        )
        .where(
            candidate != CALLER,
            ~any_record,
            candidate.not_in(hidden_users()),
            ~dismissed,
        )
        .subquery("ranked")
    )
    top = (
        select(ranked.c.candidate_id, ranked.c.mutuals, ranked.c.latest)
        .where(ranked.c.position == 1)
        .order_by(ranked.c.mutuals.desc(), ranked.c.latest.desc(), ranked.c.candidate_id)
        .limit(bindparam("suggestion_limit", type_=Integer))
        .subquery("top")
    )
    return (
        select(top.c.candidate_id, top.c.mutuals, ranked.c.via_id, ranked.c.position)
        .select_from(
            top.join(
                ranked,
                and_(
                    ranked.c.candidate_id == top.c.candidate_id,
                    ranked.c.position <= SHOWN_MUTUALS,
                ),
            )
        )
        .order_by(top.c.mutuals.desc(), top.c.latest.desc(), top.c.candidate_id, ranked.c.position)
    )


async def suggestions(
    connection: AsyncConnection,
    project_id: uuid.UUID,
    caller_id: uuid.UUID,
    limit: int,
    dismissed_since: datetime,
) -> list[RowMapping]:
    """(candidate_id, mutuals, via_id, position) rows, best candidate first, each with its
    most recent mutual connections in order."""
    statement = _suggestions_statement(connection.dialect.name == "postgresql")
    parameters = {
        "project_id": project_id,
        "caller_id": caller_id,
        # hidden_users() names the caller its viewer.
        "viewer_id": caller_id,
        "suggestion_limit": limit,
        "dismissed_since": dismissed_since,
    }
    result = await connection.execute(statement, parameters)
    return list(result.mappings())


async def dismiss(
    connection: AsyncConnection,
    project_id: uuid.UUID,
    user_id: uuid.UUID,
    dismissed_user_id: uuid.UUID,
    now: datetime,
) -> None:
    """Records (or renews) a dismissal; a user who does not exist is silently skipped."""
    insert = dialect_insert(connection, suggestion_dismissals)
    statement = insert.from_select(
        ["project_id", "user_id", "dismissed_user_id", "dismissed_at"],
        select(
            literal(project_id, users.c.project_id.type),
            literal(user_id, users.c.id.type),
            users.c.id,
            literal(now, suggestion_dismissals.c.dismissed_at.type),
        ).where(users.c.project_id == project_id, users.c.id == dismissed_user_id),
    )
    await connection.execute(
        statement.on_conflict_do_update(
            index_elements=["project_id", "user_id", "dismissed_user_id"],
            set_={"dismissed_at": statement.excluded.dismissed_at},
        )
    )
