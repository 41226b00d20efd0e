"""Every query of finding users. Each one starts from the project id and reads an index:
the project's unique keys for lookups, `user_search_terms` for autocomplete, pg_trgm's
indexes (PostgreSQL) or `user_search_trigrams` (SQLite) for search.
"""

import functools
import uuid
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Integer,
    RowMapping,
    Select,
    String,
    Uuid,
    bindparam,
    func,
    literal,
    or_,
    select,
    union_all,
)
from sqlalchemy.ext.asyncio import AsyncConnection

from mutuals.kit.db.prepared import Prepared, Row
from mutuals.kit.db.rows import matching, one_or_none
from mutuals.models import connections, follows, user_search_terms, user_search_trigrams, users
from mutuals.users.names import PREFIX_LENGTH, trigrams
from mutuals.users.schemas import PUBLIC_USER_COLUMNS

# What ranking needs besides the public profile.
CANDIDATE_COLUMNS = (
    *PUBLIC_USER_COLUMNS,
    users.c.followers_count,
    users.c.connections_count,
    users.c.name_folded,
)
# The caller's most recent edges of each kind read for people they know (README: bounded).
KNOWN_EDGES = 500
# pg_trgm's default threshold, applied the same way on SQLite.
SIMILARITY_THRESHOLD = 0.3
# PostgreSQL's passes, most similar first (see search_candidates).
SEARCH_PASSES = (0.6, 0.45, SIMILARITY_THRESHOLD)


async def user_by(
    connection: AsyncConnection, project_id: uuid.UUID, column: str, value: str
) -> RowMapping | None:
    """The whole row of the user whose unique `column` holds `value`."""
    return await one_or_none(
        connection, select(users).where(matching(users, project_id=project_id, **{column: value}))
    )


def like_prefix(text: str) -> str:
    """A LIKE pattern for values starting with `text`, its % and _ taken literally."""
    return text.replace("/", "//").replace("%", "/%").replace("_", "/_") + "%"


# Bind parameters of the suggestion statement (suggestion_parameters() fills them).
_PROJECT = bindparam("project_id", type_=Uuid)
_CALLER = bindparam("caller_id", type_=Uuid)


def _matches() -> ColumnElement[bool]:
    """The user's username starts with the query, or a word of their name does."""
    name_words = literal(" ", String) + func.coalesce(users.c.name_folded, "")
    return or_(
        users.c.username.like(bindparam("username_pattern", type_=String), escape="/"),
        name_words.like(bindparam("word_pattern", type_=String), escape="/"),
    )


def _indexed_candidates(longer: bool, several_words: bool) -> Select[Any]:
    """The top of the autocomplete index for the query: username terms before name
    words, then the most followed, then by username (models/user_search.py)."""
    terms = user_search_terms.c
    statement = select(terms.user_id.label("user_id")).where(
        terms.project_id == _PROJECT, terms.prefix == bindparam("prefix", type_=String)
    )
    if longer:  # the first word is longer than the indexed prefixes
        statement = statement.where(
            terms.term.like(bindparam("term_pattern", type_=String), escape="/")
        )
    if several_words:  # only a name can match
        statement = statement.where(terms.kind == 1)
    return statement.order_by(terms.kind, terms.follower_tier, terms.username, terms.user_id).limit(
        bindparam("indexed", type_=Integer)
    )


def _known_candidates() -> list[Select[Any]]:
    """Users the caller is connected with, follows or is followed by whose names match:
    among the caller's `known_edges` most recent edges of each kind, each read by index."""
    recent_edges = [
        select(connections.c[other].label("user_id"))
        .where(
            connections.c.project_id == _PROJECT,
            connections.c[mine] == _CALLER,
            connections.c.status == "accepted",
        )
        .order_by(connections.c.responded_at.desc())
        for mine, other in (("requester_id", "receiver_id"), ("receiver_id", "requester_id"))
    ] + [
        select(follows.c[other].label("user_id"))
        .where(follows.c.project_id == _PROJECT, follows.c[mine] == _CALLER)
        .order_by(follows.c.created_at.desc())
        for mine, other in (("follower_id", "followed_id"), ("followed_id", "follower_id"))
    ]
    branches = []
    for edges in recent_edges:
        recent = edges.limit(bindparam("known_edges", type_=Integer)).subquery()
        # Judged one edge at a time through the primary key: a scalar subquery is never
        # turned into a join, so no plan hashes the edges and scans the project's users.
        matches = (
            select(_matches())
            .where(users.c.project_id == _PROJECT, users.c.id == recent.c.user_id)
            .scalar_subquery()
        )
        judged = select(recent.c.user_id, matches.label("matches")).subquery()
        branches.append(
            select(judged.c.user_id)
            .where(judged.c.matches)
            .limit(bindparam("known", type_=Integer))
        )
    return branches


@functools.cache
def _suggestion_statement(signed_in: bool, longer: bool, several_words: bool) -> Prepared:
    """Profiles of the users who may be suggested: the index's best `indexed`, the exact
    username, and (signed in) up to `known` per kind of the caller's own edges. Built
    once per shape; one round trip."""
    branches: list[Select[Any]] = [
        select(_indexed_candidates(longer, several_words).subquery().c.user_id),
        select(users.c.id).where(
            users.c.project_id == _PROJECT, users.c.username == bindparam("query", type_=String)
        ),
    ]
    if signed_in:
        branches += [select(branch.subquery().c[0]) for branch in _known_candidates()]
        # The caller's own row, never suggested: whether they have connections at all.
        branches.append(
            select(users.c.id).where(users.c.project_id == _PROJECT, users.c.id == _CALLER)
        )
    candidates = union_all(*branches).subquery()
    return Prepared(
        select(*CANDIDATE_COLUMNS).where(
            users.c.project_id == _PROJECT, users.c.id.in_(select(candidates.c[0]))
        )
    )


def suggestion_parameters(
    project_id: uuid.UUID, query: str, caller_id: uuid.UUID | None, indexed: int, known: int
) -> tuple[Prepared, dict[str, Any]]:
    first_word = query.split(" ", 1)[0]
    longer, several_words = len(first_word) > PREFIX_LENGTH, " " in query
    parameters: dict[str, Any] = {
        "project_id": project_id,
        "prefix": first_word[:PREFIX_LENGTH],
        "query": query,
        "indexed": indexed,
    }
    if longer:
        parameters["term_pattern"] = like_prefix(first_word)
    if caller_id is not None:
        parameters |= {
            "caller_id": caller_id,
            "known": known,
            "known_edges": KNOWN_EDGES,
            "username_pattern": like_prefix(query),
            "word_pattern": "% " + like_prefix(query),
        }
    statement = _suggestion_statement(caller_id is not None, longer, several_words)
    return statement, parameters


async def suggestion_candidates(
    connection: AsyncConnection,
    project_id: uuid.UUID,
    query: str,
    caller_id: uuid.UUID | None,
    indexed: int,
    known: int,
) -> list[Row]:
    statement, parameters = suggestion_parameters(project_id, query, caller_id, indexed, known)
    return await statement.rows(connection, parameters)


def search_statement(dialect: str, project_id: uuid.UUID, query: str, limit: int) -> Select[Any]:
    """Profiles of the users most similar to `query` by trigrams: pg_trgm's GIN indexes
    on PostgreSQL, `user_search_trigrams` on SQLite (the users sharing the most trigrams
    with the query). The caller scores them (users/names.py)."""
    if dialect == "postgresql":
        text = bindparam("query", query, type_=String)
        score = func.greatest(
            func.similarity(func.coalesce(users.c.username, ""), text),
            func.similarity(func.coalesce(users.c.name_folded, ""), text),
        )
        # Usernames hold no spaces: a query of several words is a name's.
        similar: ColumnElement[bool] = users.c.name_folded.op("%")(text)
        if " " not in query:
            similar = or_(users.c.username.op("%")(text), similar)
        return (
            select(*CANDIDATE_COLUMNS)
            .where(users.c.project_id == project_id, similar)
            .order_by(score.desc(), users.c.id)
            .limit(limit)
        )
    # One branch per trigram, each an equality on the whole primary key: grouping the
    # rows of an IN list let SQLite pick the (project, user) index for its order and read
    # every trigram row of the project.
    grams = user_search_trigrams.c
    per_gram = union_all(
        *(
            select(grams.user_id).where(grams.project_id == project_id, grams.trigram == gram)
            for gram in sorted(trigrams(query))
        )
    ).subquery()
    shared = (
        select(per_gram.c.user_id, func.count().label("shared"))
        .group_by(per_gram.c.user_id)
        .order_by(func.count().desc(), per_gram.c.user_id)
        .limit(bindparam("candidates", limit, type_=Integer))
        .subquery()
    )
    return select(*CANDIDATE_COLUMNS).join(
        shared, (users.c.project_id == project_id) & (users.c.id == shared.c.user_id)
    )


async def search_candidates(
    connection: AsyncConnection, project_id: uuid.UUID, query: str, limit: int, wanted: int
) -> list[RowMapping]:
    """The `limit` users most similar to `query`. On PostgreSQL the GIN index is asked at
    a high similarity first, where it finds few candidates, and lower only when fewer than
    `wanted` users are that similar: the most similar come first either way."""
    if not trigrams(query):
        return []
    statement = search_statement(connection.dialect.name, project_id, query, limit)
    if connection.dialect.name != "postgresql":
        return list((await connection.execute(statement)).mappings())
    rows: list[RowMapping] = []
    for threshold in SEARCH_PASSES:
        # The threshold pg_trgm's % reads, on this connection until the next search sets it.
        await connection.execute(
            select(func.set_config("pg_trgm.similarity_threshold", str(threshold), False))
        )
        rows = list((await connection.execute(statement)).mappings())
        if len(rows) >= wanted:
            break
    return rows
