"""The rules of §12: lookups by the app's id and by handle, availability, and suggestions
and search ranked by the caller's graph."""

import json
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from mutuals.finding import repository
from mutuals.finding.errors import InvalidUsername
from mutuals.kit.db.prepared import Row
from mutuals.relationships.service import relationships
from mutuals.users import rules
from mutuals.users.errors import (
    DuplicateForeignId,
    InvalidProfile,
    InvalidUserParams,
    UserForbidden,
    UserNotFound,
)
from mutuals.users.names import clean_query, name_words, similarity
from mutuals.users.schemas import auth_user, public_user
from mutuals.users.service import create_user
from mutuals.visibility.filters import Viewer, hidden_from

MAX_FOREIGN_ID = 255
MAX_SUGGESTION_QUERY = 50
DEFAULT_SUGGESTIONS, MAX_SUGGESTIONS = 10, 25
# The groups of §12.4, in order.
CONNECTED, FOLLOWED, FOLLOWER, MUTUAL, EVERYONE = range(5)


@dataclass(frozen=True)
class Asker:
    """Who is looking: the project, the signed-in user if any, and whether the project's
    backend itself asks (a service key)."""

    project_id: uuid.UUID
    user_id: uuid.UUID | None
    is_service: bool


# --- Lookups (§12.1-12.3) --------------------------------------------------------------


def parse_foreign_id(raw: str | None) -> str:
    if raw is None or not raw.strip():
        raise InvalidUserParams("foreignId is required", field="foreignId")
    if len(raw) > MAX_FOREIGN_ID:
        raise InvalidUserParams(
            f"foreignId must be at most {MAX_FOREIGN_ID} characters", field="foreignId"
        )
    return raw


async def _visible(connection: AsyncConnection, asker: Asker, row: Row | None) -> Row:
    """The row, unless it does not exist for the asker (missing, or blocking them)."""
    if row is None:
        raise UserNotFound()
    if not asker.is_service and await hidden_from(
        connection, asker.project_id, row["id"], Viewer(asker.user_id)
    ):
        raise UserNotFound()
    return row


async def by_foreign_id(
    connection: AsyncConnection, asker: Asker, foreign_id: str
) -> dict[str, Any]:
    row = await repository.user_by(connection, asker.project_id, "foreign_id", foreign_id)
    return _as_seen(asker, await _visible(connection, asker, row))


def _as_seen(asker: Asker, row: Row) -> dict[str, Any]:
    return auth_user(row) if asker.is_service or asker.user_id == row["id"] else public_user(row)


def check_may_create(asker: Asker) -> None:
    if not asker.is_service:
        raise UserForbidden("createIfNotFound needs the project's service key")


def creation_fields(fields: dict[str, str | None]) -> dict[str, Any]:
    """The profile of a user created by foreign id, from the query string: `metadata` is
    a URL-encoded JSON object; the rest follow the sign-up rules (§3.1)."""
    source: dict[str, Any] = {key: value for key, value in fields.items() if value is not None}
    if "metadata" in source:
        try:
            source["metadata"] = json.loads(source["metadata"])
        except ValueError:
            raise InvalidUserParams("metadata must be a JSON object", field="metadata") from None
    try:
        return rules.profile_fields(source)
    except InvalidProfile as exc:
        raise InvalidUserParams(exc.detail, field=exc.field) from None


async def create_by_foreign_id(
    connection: AsyncConnection, asker: Asker, foreign_id: str, profile: dict[str, Any]
) -> tuple[dict[str, Any], bool]:
    """The user with this foreign id, created when absent: (AuthUser, created). Of
    concurrent creations one inserts; the others find its row (the unique key decides)."""
    check_may_create(asker)
    existing = await repository.user_by(connection, asker.project_id, "foreign_id", foreign_id)
    if existing is not None:
        return auth_user(existing), False
    try:
        created = await create_user(
            connection, asker.project_id, profile=profile, foreign_id=foreign_id, auth_methods=[]
        )
    except DuplicateForeignId:
        existing = await repository.user_by(connection, asker.project_id, "foreign_id", foreign_id)
        if existing is None:
            raise
        return auth_user(existing), False
    return created, True


def _handle(raw: str | None) -> str:
    """A username as clients write it: any case, perhaps with a leading @."""
    text = (raw or "").strip()
    if text.startswith("@"):
        text = text[1:]
    if not text or len(text) > 100:
        raise InvalidUserParams("username is required", field="username")
    return text.lower()


async def by_username(connection: AsyncConnection, asker: Asker, raw: str | None) -> dict[str, Any]:
    username = _handle(raw)
    row = await repository.user_by(connection, asker.project_id, "username", username)
    return public_user(await _visible(connection, asker, row))


async def username_available(
    connection: AsyncConnection, project_id: uuid.UUID, raw: str | None
) -> dict[str, bool]:
    try:
        username = rules.normalize_username(raw if raw is not None else "")
    except InvalidProfile:
        raise InvalidUsername(field="username") from None
    holder = await repository.user_by(connection, project_id, "username", username)
    return {"available": holder is None}


# --- Suggestions and search (§12.4, §12.5) ---------------------------------------------


@dataclass(frozen=True)
class Closeness:
    group: int
    mutual: int


async def _closeness(
    connection: AsyncConnection,
    asker: Asker,
    rows: Sequence[Row],
    enough: int | None = None,
) -> dict[uuid.UUID, Closeness]:
    """How close each candidate is to the signed-in asker (§12.4's groups); candidates who
    block the asker or whom the asker blocks are left out, and so is the asker. Anonymous
    askers (and a service key acting for nobody) see everyone in the last group.

    Mutual connections are counted only when they can change the answer: not when
    `enough` candidates are already in the first three groups (which rank before them),
    and not at all when `enough` is 0 (a caller without connections shares none)."""
    if asker.user_id is None:
        return {row["id"]: Closeness(EVERYONE, 0) for row in rows}
    ids = [str(row["id"]) for row in rows if row["id"] != asker.user_id]
    if not ids:
        return {}
    counted = enough is None
    facts = await relationships(
        connection, asker.project_id, asker.user_id, ids, mutual_counts=counted
    )
    closeness: dict[uuid.UUID, Closeness] = {}
    strangers: list[str] = []
    for item in facts["data"]:
        if item.get("found") is False or item["blocking"]:
            continue
        user_id = uuid.UUID(item["userId"])
        if item["connection"]["status"] == "connected":
            closeness[user_id] = Closeness(CONNECTED, 0)
        elif item["following"]:
            closeness[user_id] = Closeness(FOLLOWED, 0)
        elif item["followedBy"]:
            closeness[user_id] = Closeness(FOLLOWER, 0)
        else:
            mutual = item["mutualConnectionsCount"]
            closeness[user_id] = Closeness(MUTUAL if mutual > 0 else EVERYONE, mutual)
            strangers.append(item["userId"])
    if (
        not counted
        and strangers
        and enough is not None
        and len(closeness) - len(strangers) < enough
    ):
        counts = await relationships(connection, asker.project_id, asker.user_id, strangers)
        for item in counts["data"]:
            mutual = item.get("mutualConnectionsCount", 0)
            if mutual > 0:
                closeness[uuid.UUID(item["userId"])] = Closeness(MUTUAL, mutual)
    return closeness


def _order(row: Row, closeness: Closeness, query: str, username_first: bool) -> tuple[Any, ...]:
    """§12.4 within the caller's groups: the group (most mutual connections first in the
    fourth), an exact username match, username matches before name matches, more
    followers, then username."""
    username = row["username"]
    return (
        closeness.group,
        -closeness.mutual if closeness.group == MUTUAL else 0,
        username != query,
        not username_first,
        -row["followers_count"],
        username is None,
        username or "",
        str(row["id"]),
    )


def parse_suggestion_query(raw: str | None, limit_raw: str | None) -> tuple[str, int]:
    query = clean_query(raw or "")
    if not query or len(query) > MAX_SUGGESTION_QUERY:
        raise InvalidUserParams(f"query must be 1-{MAX_SUGGESTION_QUERY} characters", field="query")
    if limit_raw is None:
        return query, DEFAULT_SUGGESTIONS
    if not limit_raw.isdigit() or not 1 <= int(limit_raw) <= MAX_SUGGESTIONS:
        raise InvalidUserParams(f"limit must be 1-{MAX_SUGGESTIONS}", field="limit")
    return query, int(limit_raw)


def _suggestion_match(row: Row, query: str) -> bool | None:
    """True for a username match, False for a name match, None for no match (a candidate
    read from the index by its first word, whose other words do not follow)."""
    if row["username"] is not None and row["username"].startswith(query):
        return True
    words = name_words(row["name"])
    for start in range(len(words)):
        if " ".join(words[start:]).startswith(query):
            return False
    return None


async def suggestions(
    connection: AsyncConnection, asker: Asker, query: str, limit: int
) -> list[dict[str, Any]]:
    rows = await repository.suggestion_candidates(
        connection, asker.project_id, query, asker.user_id, indexed=4 * limit + 20, known=limit
    )
    matched = {row["id"]: (row, _suggestion_match(row, query)) for row in rows}
    found = [row for row, match in matched.values() if match is not None]
    caller = next((row for row in rows if row["id"] == asker.user_id), None)
    # Without connections of their own, the caller shares none with anybody.
    enough = limit if caller is not None and caller["connections_count"] > 0 else 0
    closeness = await _closeness(connection, asker, found, enough=enough)
    ranked = sorted(
        (row for row in found if row["id"] in closeness),
        key=lambda row: _order(row, closeness[row["id"]], query, bool(matched[row["id"]][1])),
    )
    return [public_user(row) for row in ranked[:limit]]


def _scores(row: Row, query: str) -> tuple[float, bool]:
    """The similarity of the user to `query` (the better of username and name), and
    whether the username is the better match."""
    by_username = similarity(row["username"] or "", query)
    by_name = similarity(row["name_folded"] or "", query)
    return max(by_username, by_name), by_username >= by_name


async def search(
    connection: AsyncConnection, asker: Asker, raw_query: str, limit: int
) -> list[dict[str, Any]]:
    query = clean_query(raw_query)
    if not query:
        return []
    rows = await repository.search_candidates(
        connection, asker.project_id, query, 3 * limit + 20, wanted=limit
    )
    scored = {row["id"]: (row, *_scores(row, query)) for row in rows}
    similar = [row for row, score, _ in scored.values() if score >= repository.SIMILARITY_THRESHOLD]
    closeness = await _closeness(connection, asker, similar)

    def order(row: Row) -> tuple[Any, ...]:
        _, score, username_first = scored[row["id"]]
        return (-round(score, 6), *_order(row, closeness[row["id"]], query, username_first))

    ranked = sorted((row for row in similar if row["id"] in closeness), key=order)
    return [
        {"similarity": round(scored[row["id"]][1], 4), "record": public_user(row)}
        for row in ranked[:limit]
    ]
