"""The rules of §8: how the caller relates to others, whom they share, whom they may know."""

import re
import uuid
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import RowMapping
from sqlalchemy.ext.asyncio import AsyncConnection

from mutuals.connections.errors import ConnectionUserNotFound, InvalidUserId, SelfCheck
from mutuals.kit.cursors import Listing, listed
from mutuals.kit.ids import parse_id, parse_other, parse_uuid
from mutuals.kit.timestamps import utc_now
from mutuals.relationships import repository
from mutuals.relationships.errors import InvalidRelationshipQuery
from mutuals.users.schemas import public_user

MAX_IDS = 100
MAX_SUGGESTIONS = 50


# The spelling nearly every client sends: checked by one regular expression and kept as
# the string it is (a hundred uuid.UUID objects, parsed, hashed and printed again, were a
# sixth of the endpoint's time). Any other spelling uuid.UUID accepts is normalised to it.
_ID = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
CANONICAL_ID = re.compile(_ID)
CANONICAL_LIST = re.compile(rf"{_ID}(?:,{_ID})*")


def parse_ids(raw: Sequence[str] | None) -> list[str]:
    """Ids from `ids=a,b,c` and/or repeated `ids`, first occurrence kept, in order, as
    canonical (lowercase, hyphenated) strings."""
    parsed: dict[str, None] = {}
    for value in raw or ():
        lowered = value.lower()
        if CANONICAL_LIST.fullmatch(lowered) is not None:  # the usual case, in one match
            parsed.update(dict.fromkeys(lowered.split(",")))
            continue
        for piece in value.split(","):
            stripped = piece.strip()
            candidate = stripped.lower()
            if CANONICAL_ID.fullmatch(candidate) is None:
                user_id = parse_uuid(stripped)
                if user_id is None:
                    raise InvalidRelationshipQuery(f"Not a user id: {stripped[:40]!r}")
                candidate = str(user_id)
            parsed[candidate] = None
    if not parsed:
        raise InvalidRelationshipQuery("ids is required: 1 to 100 user ids")
    if len(parsed) > MAX_IDS:
        raise InvalidRelationshipQuery(f"At most {MAX_IDS} distinct ids")
    return list(parsed)


def _connection_state(
    record_id: uuid.UUID, requester_id: uuid.UUID, status: str, caller_id: uuid.UUID
) -> dict[str, str]:
    if status == "accepted":
        return {"status": "connected", "connectionId": str(record_id)}
    direction = "sent" if requester_id == caller_id else "received"
    return {"status": status, "type": direction, "connectionId": str(record_id)}


async def relationships(
    connection: AsyncConnection,
    project_id: uuid.UUID,
    caller_id: uuid.UUID,
    ids: list[str],
    *,
    mutual_counts: bool = True,
) -> dict[str, Any]:
    """One item per id in the order given; users who do not exist, or who block the caller,
    are `found: false` alike. The caller's own id relates to nothing (`none`, 0). Without
    `mutual_counts`, every count is 0 and none is computed."""
    # A hundred rows of facts: read as plain tuples, the per-row cost of mappings showed.
    # Keyed by the id's string, the form the ids came in and go out in.
    caller_key = str(caller_id)
    mutuals: dict[str, int] = {}
    flags: dict[str, set[str]] = {"following": set(), "followed_by": set(), "blocking": set()}
    records: dict[str, dict[str, str]] = {}
    for kind, user_id, amount, record_id, requester_id, status in await repository.relations(
        connection, project_id, caller_id, ids, mutual_counts=mutual_counts
    ):
        key = str(user_id)
        if kind == "found":
            mutuals[key] = 0 if key == caller_key else amount
        elif kind == "record":
            records[key] = _connection_state(record_id, requester_id, status, caller_id)
        else:
            flags[kind].add(key)
    none = {"status": "none"}
    following, followed_by, blocking = flags["following"], flags["followed_by"], flags["blocking"]
    items: list[dict[str, Any]] = []
    for key in ids:
        mutual_count = mutuals.get(key)
        if mutual_count is None:
            items.append({"userId": key, "found": False})
            continue
        items.append(
            {
                "userId": key,
                "connection": records.get(key, none),
                "following": key in following,
                "followedBy": key in followed_by,
                "blocking": key in blocking,
                "mutualConnectionsCount": mutual_count,
            }
        )
    return {"data": items}


async def shared_list(
    connection: AsyncConnection,
    project_id: uuid.UUID,
    caller_id: uuid.UUID,
    other_raw: str,
    shared: repository.SharedList,
    listing: Listing,
) -> dict[str, Any]:
    """Mutual connections or known followers of another user, as the caller sees them."""
    other_id = parse_other(
        other_raw,
        caller_id,
        InvalidUserId,
        SelfCheck("You cannot list what you share with yourself"),
    )
    sizes = await repository.sizes(connection, project_id, caller_id, other_id)
    if other_id not in sizes or sizes[other_id]["blocks_viewer"]:
        raise ConnectionUserNotFound()
    # Mutual connections read from the smaller side: the caller's or the other user's.
    driver: repository.Driver = (
        "caller"
        if sizes[caller_id]["connections_count"] <= sizes[other_id]["connections_count"]
        else "other"
    )
    rows, total = await repository.shared_page(
        connection, project_id, caller_id, other_id, shared, driver, listing
    )
    items = [{"user": public_user(row, prefix="user_")} for row in rows]
    return listed(items, rows, listing, total, _position)


def _position(row: RowMapping) -> tuple[datetime, uuid.UUID]:
    return row["position_at"], row["position_id"]


async def suggestions(
    connection: AsyncConnection,
    project_id: uuid.UUID,
    caller_id: uuid.UUID,
    limit: int,
    dismiss_days: float,
) -> dict[str, Any]:
    since = utc_now() - timedelta(days=dismiss_days)
    rows = await repository.suggestions(connection, project_id, caller_id, limit, since)
    items: dict[uuid.UUID, dict[str, Any]] = {}
    for row in rows:
        item = items.setdefault(
            row["candidate_id"],
            {
                "user": public_user(row, prefix="suggested_"),
                "mutualConnectionsCount": row["mutuals"],
                "mutualConnections": [],
            },
        )
        item["mutualConnections"].append(public_user(row, prefix="mutual_"))
    return {"data": list(items.values())}


async def dismiss_suggestion(
    connection: AsyncConnection, project_id: uuid.UUID, caller_id: uuid.UUID, other_raw: str
) -> None:
    """Always 204 for a valid id: dismissing nobody, or oneself, has nothing to record."""
    other_id = parse_id(other_raw, InvalidUserId)
    if other_id != caller_id:
        await repository.dismiss(connection, project_id, caller_id, other_id, utc_now())
