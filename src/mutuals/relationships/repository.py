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
    Uuid,
    and_,
    any_,
    bindparam,
    case,
    cast,
    exists,
    func,
    literal,
    null,
    or_,
    select,
    true,
    union_all,
)
from sqlalchemy.dialects import postgresql
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.sql.elements import BindParameter, KeyedColumnElement

from mutuals.connections.repository import ACCEPTED, pair_is
from mutuals.kit.cursors import Listing, after_position, page_parameters, reads_after
from mutuals.kit.db.database import dialect_insert
from mutuals.kit.db.paging import newest_first
from mutuals.kit.pagination import PageRequest
from mutuals.models import blocks, connections, follows, suggestion_dismissals, users
from mutuals.users.schemas import PUBLIC_USER_COLUMNS
from mutuals.visibility.filters import blocks_viewer, hidden_users

# Suggestions rank a bounded sample of the second hop (API.md §8.4): the caller's most
# recent FIRST_HOP_SAMPLE connections, each contributing its SECOND_HOP_SAMPLE most recent
# connections. At most 200 x 50 = 10,000 edges are ranked, whatever the graph; a candidate
# known only through older edges of a well-connected friend is missed, and a mutual count
# can fall short of the true one when sampling applies. Below both bounds it is exact.
FIRST_HOP_SAMPLE = 200
SECOND_HOP_SAMPLE = 50
# Mutual users shown with each suggestion.
SHOWN_MUTUALS = 3

PROJECT: BindParameter[Any] = bindparam("project_id")
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


# --- Batch relationships (§8.1) -----------------------------------------------------


def _among_ids(postgres: bool) -> Callable[[ColumnElement[Any]], ColumnElement[bool]]:
    """`column` is one of the bound `ids`. PostgreSQL gets them as one array parameter (a
    hundred ids are one value to send and one plan to cache, not a hundred parameters in
    every branch); SQLite, which has no arrays, as an expanded IN list."""
    if postgres:
        ids_array = bindparam("ids", type_=postgresql.ARRAY(Uuid))
        return lambda column: column == any_(ids_array)
    ids_list: BindParameter[Any] = bindparam("ids", expanding=True)
    return lambda column: column.in_(ids_list)


def _fact(kind: str, user_id: ColumnElement[Any], amount: Any = 0) -> Select[Any]:
    """One branch of the facts union: (kind, user_id, amount, record_id, requester_id,
    status), the last three set by connection records only."""
    return select(
        literal(kind, String).label("kind"),
        user_id.label("user_id"),
        (literal(amount) if isinstance(amount, int) else amount).label("amount"),
        cast(null(), Uuid).label("record_id"),
        cast(null(), Uuid).label("requester_id"),
        cast(null(), String).label("status"),
    )


MutualStrategy = Literal["hash", "probe"]


def _mutual_count(user_id: ColumnElement[Any], strategy: MutualStrategy) -> ColumnElement[Any]:
    """How many of `user_id`'s accepted connections are also the caller's: a correlated
    count over each side's index range of `user_id`, each edge's other end checked either
    against the caller's connections read and hashed once per statement ("hash", cheap
    while the caller has few connections) or by a probe of its pair index with the caller
    ("probe", whose cost does not grow with the caller's connections)."""
    mine = accepted_edges(lambda side: side == CALLER)
    counts = []
    for side, other in (("requester_id", "receiver_id"), ("receiver_id", "requester_id")):
        edge, probe = connections.alias(f"edge_{side}"), connections.alias(f"probe_{side}")
        shared = (
            edge.c[other].in_(select(mine.c.other_id))
            if strategy == "hash"
            else exists().where(pair_is(probe, edge.c[other], CALLER), probe.c.status == ACCEPTED)
        )
        counts.append(
            select(func.count())
            .select_from(edge)
            .where(
                edge.c.project_id == PROJECT,
                edge.c[side] == user_id,
                edge.c.status == ACCEPTED,
                shared,
            )
            .scalar_subquery()
        )
    return counts[0] + counts[1]


@functools.cache
def _relations_statement(postgres: bool, mutual_counts: bool = True) -> CompoundSelect[Any]:
    """Everything the caller's relationships with the ids rest on, as rows of facts: one
    statement (one round trip) whatever the number of ids."""
    among_ids = _among_ids(postgres)
    # Found users (those who exist and do not block the caller) carry their mutual
    # connections with the caller, counted per user (a plan that stays per user however
    # skewed the ids are). Hash or probe is chosen inside the statement from the caller's
    # counter, read once: only the chosen branch runs.
    caller_connections = (
        select(users.c.connections_count)
        .where(users.c.project_id == PROJECT, users.c.id == CALLER)
        .scalar_subquery()
    )
    mutual_count = case(
        (
            caller_connections <= bindparam("hash_limit", type_=Integer),
            _mutual_count(users.c.id, "hash"),
        ),
        else_=_mutual_count(users.c.id, "probe"),
    )
    found = _fact("found", users.c.id, mutual_count if mutual_counts else 0).where(
        users.c.project_id == PROJECT, among_ids(users.c.id), ~blocks_viewer(users.c.id)
    )
    following = _fact("following", follows.c.followed_id).where(
        follows.c.project_id == PROJECT,
        follows.c.follower_id == CALLER,
        among_ids(follows.c.followed_id),
    )
    followed_by = _fact("followed_by", follows.c.follower_id).where(
        follows.c.project_id == PROJECT,
        follows.c.followed_id == CALLER,
        among_ids(follows.c.follower_id),
    )
    blocking = _fact("blocking", blocks.c.blocked_id).where(
        blocks.c.project_id == PROJECT,
        blocks.c.blocker_id == CALLER,
        among_ids(blocks.c.blocked_id),
    )
    # The record of each pair, whichever end of it the caller is (the pair's unique index).
    records = [
        select(
            literal("record", String),
            connections.c[their_side],
            literal(0),
            connections.c.id,
            connections.c.requester_id,
            connections.c.status,
        ).where(
            connections.c.project_id == PROJECT,
            connections.c[mine_side] == CALLER,
            among_ids(connections.c[their_side]),
        )
        for mine_side, their_side in (
            ("pair_low_id", "pair_high_id"),
            ("pair_high_id", "pair_low_id"),
        )
    ]
    return union_all(found, following, followed_by, blocking, *records)


# Hash the caller's connections while they are at most this many per id asked about:
# reading one connection costs about a third of probing one edge of a listed user, and
# listed users have some tens of connections each in a typical graph.
HASHED_CONNECTIONS_PER_ID = 50


async def relations(
    connection: AsyncConnection,
    project_id: uuid.UUID,
    caller_id: uuid.UUID,
    user_ids: Sequence[str],
    *,
    mutual_counts: bool = True,
) -> list[Any]:
    """Facts (kind, user_id, amount, record_id, requester_id, status) about the ids
    (canonical UUID strings); without `mutual_counts`, found users count 0 mutual
    connections and the statement reads none of their edges."""
    postgres = connection.dialect.name == "postgresql"
    parameters = {
        "project_id": project_id,
        "caller_id": caller_id,
        # blocks_viewer() names the caller its viewer.
        "viewer_id": caller_id,
        # asyncpg takes the strings as they are; SQLite's binding wants UUID objects.
        "ids": list(user_ids) if postgres else [uuid.UUID(user_id) for user_id in user_ids],
        # SQLite re-reads an IN subquery for every outer row of a correlated subquery (a
        # 100-id batch took seconds): it always probes.
        "hash_limit": HASHED_CONNECTIONS_PER_ID * len(user_ids) if postgres else -1,
    }
    if not mutual_counts:
        del parameters["hash_limit"]
    statement = _relations_statement(postgres, mutual_counts)
    return list((await connection.execute(statement, parameters)).all())


# --- Mutual connections and known followers (§8.2, §8.3) ------------------------------

Driver = Literal["caller", "other"]


@functools.cache
def _mutual_connections(driver: Driver, after: bool) -> tuple[Select[Any], Select[Any]]:
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
        and_(pair_is(probe, edges.c.other_id, probed_id), probe.c.status == ACCEPTED),
    )
    connected_at = edges.c.connected_at if driver == "caller" else probe.c.responded_at
    record_id = edges.c.connection_id if driver == "caller" else probe.c.id
    page = newest_first(
        select(
            *_user_columns(),
            connected_at.label("position_at"),
            record_id.label("position_id"),
        )
        .select_from(joined.join(users, _joined_user(edges.c.other_id)))
        .where(after_position(connected_at, record_id) if after else true()),
        connected_at,
        record_id,
    )
    return page, select(func.count()).select_from(joined)


@functools.cache
def _known_followers(after: bool) -> tuple[Select[Any], Select[Any]]:
    """(page, count) of the other user's followers whom the caller follows, newest follow
    of the other user first. A plain join of two pair-unique follows: the planner reads
    the smaller side (the caller's following or the other user's followers) and probes
    the other's unique index."""
    mine = follows.alias("mine")  # caller -> shared
    theirs = follows.alias("theirs")  # shared -> other
    joined = mine.join(theirs, theirs.c.follower_id == mine.c.followed_id)
    joined_where = and_(
        mine.c.project_id == PROJECT,
        mine.c.follower_id == CALLER,
        theirs.c.project_id == PROJECT,
        theirs.c.followed_id == OTHER,
    )
    page = newest_first(
        select(
            *_user_columns(),
            theirs.c.created_at.label("position_at"),
            theirs.c.id.label("position_id"),
        )
        .select_from(joined.join(users, _joined_user(theirs.c.follower_id)))
        .where(
            joined_where,
            after_position(theirs.c.created_at, theirs.c.id) if after else true(),
        ),
        theirs.c.created_at,
        theirs.c.id,
    )
    return page, select(func.count()).select_from(joined).where(joined_where)


SharedList = Literal["mutual-connections", "known-followers"]


async def shared_page(
    connection: AsyncConnection,
    project_id: uuid.UUID,
    caller_id: uuid.UUID,
    other_id: uuid.UUID,
    shared: SharedList,
    driver: Driver,
    listing: Listing,
) -> tuple[list[RowMapping], int | None]:
    """A page, and the total (None for a page by cursor, which is never counted)."""
    after = reads_after(listing)
    page_statement, count_statement = (
        _mutual_connections(driver, after)
        if shared == "mutual-connections"
        else _known_followers(after)
    )
    parameters: dict[str, Any] = {
        "project_id": project_id,
        "caller_id": caller_id,
        "other_id": other_id,
    }
    total = None
    if isinstance(listing, PageRequest):
        total = await connection.scalar(count_statement, parameters) or 0
        if listing.offset >= total:
            return [], total
    result = await connection.execute(page_statement, parameters | page_parameters(listing))
    return list(result.mappings()), total


SIZES = select(
    users.c.id,
    users.c.connections_count,
    blocks_viewer(users.c.id).label("blocks_viewer"),
).where(users.c.project_id == PROJECT, or_(users.c.id == CALLER, users.c.id == OTHER))


async def sizes(
    connection: AsyncConnection, project_id: uuid.UUID, caller_id: uuid.UUID, other_id: uuid.UUID
) -> dict[uuid.UUID, RowMapping]:
    """The connection counters of the caller and the other user, and whether each blocks
    the caller (absent when there is no such user): one statement."""
    parameters = {
        "project_id": project_id,
        "caller_id": caller_id,
        "other_id": other_id,
        "viewer_id": caller_id,
    }
    result = await connection.execute(SIZES, parameters)
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
    """Rank the sample's candidates, then show the best ones' most recent mutuals.

    The sample is a CTE read twice (PostgreSQL materialises it once): aggregated per
    candidate first, so the exclusions probe each candidate once rather than each edge,
    then joined back for the top candidates only.
    """
    first_hop = _first_hop()
    hops = (
        _second_hop_lateral(first_hop) if lateral else _second_hop_windowed(first_hop)
    ).subquery("hops")
    # A mutual connection is as recent as the later of its two connections.
    recency = case((hops.c.via_at > hops.c.at, hops.c.via_at), else_=hops.c.at)
    sample = (
        select(hops.c.via_id, hops.c.candidate_id, recency.label("recency"))
        .where(hops.c.candidate_id != CALLER)
        .cte("sample")
    )
    per_candidate = (
        select(
            sample.c.candidate_id,
            func.count().label("mutuals"),
            func.max(sample.c.recency).label("latest"),
        )
        .group_by(sample.c.candidate_id)
        .subquery("per_candidate")
    )
    candidate = per_candidate.c.candidate_id
    record = connections.alias("record")
    dismissed = exists().where(
        suggestion_dismissals.c.project_id == PROJECT,
        suggestion_dismissals.c.user_id == CALLER,
        suggestion_dismissals.c.dismissed_user_id == candidate,
        suggestion_dismissals.c.dismissed_at > bindparam("dismissed_since"),
    )
    top = (
        select(per_candidate)
        .where(
            ~exists().where(pair_is(record, candidate, CALLER)),
            candidate.not_in(hidden_users()),
            ~dismissed,
        )
        .order_by(per_candidate.c.mutuals.desc(), per_candidate.c.latest.desc(), candidate)
        .limit(bindparam("suggestion_limit", type_=Integer))
        .subquery("top")
    )
    shown = (
        select(
            top.c.candidate_id,
            top.c.mutuals,
            top.c.latest,
            sample.c.via_id,
            func.row_number()
            .over(
                partition_by=top.c.candidate_id,
                order_by=(sample.c.recency.desc(), sample.c.via_id),
            )
            .label("position"),
        )
        .select_from(top.join(sample, sample.c.candidate_id == top.c.candidate_id))
        .subquery("shown")
    )
    # The public profiles of both, in the same statement.
    candidate_user, via_user = users.alias("candidate_user"), users.alias("via_user")
    return (
        select(
            shown.c.candidate_id,
            shown.c.mutuals,
            *(candidate_user.c[c.name].label(f"suggested_{c.name}") for c in PUBLIC_USER_COLUMNS),
            *(via_user.c[c.name].label(f"mutual_{c.name}") for c in PUBLIC_USER_COLUMNS),
        )
        .select_from(
            shown.join(
                candidate_user,
                and_(
                    candidate_user.c.project_id == PROJECT,
                    candidate_user.c.id == shown.c.candidate_id,
                ),
            ).join(
                via_user, and_(via_user.c.project_id == PROJECT, via_user.c.id == shown.c.via_id)
            )
        )
        .where(shown.c.position <= SHOWN_MUTUALS)
        .order_by(
            shown.c.mutuals.desc(), shown.c.latest.desc(), shown.c.candidate_id, shown.c.position
        )
    )


async def suggestions(
    connection: AsyncConnection,
    project_id: uuid.UUID,
    caller_id: uuid.UUID,
    limit: int,
    dismissed_since: datetime,
) -> list[RowMapping]:
    """(candidate_id, mutuals, suggested_* and mutual_* profiles) rows, best candidate first,
    each with its most recent mutual connections in order."""
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
