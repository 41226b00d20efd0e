"""The rules of §8: how the caller relates to others, whom they share, whom they may know."""

import uuid
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import RowMapping
from sqlalchemy.ext.asyncio import AsyncConnection

from mutuals.connections.errors import ConnectionUserNotFound, InvalidUserId, SelfCheck
from mutuals.cursors import Listing, listed
from mutuals.ids import parse_uuid
from mutuals.relationships import repository
from mutuals.relationships.errors import InvalidRelationshipQuery
from mutuals.timestamps import utc_now
from mutuals.users.schemas import public_user

MAX_IDS = 100
MAX_SUGGESTIONS = 50


def parse_ids(raw: Sequence[str] | None) -> list[uuid.UUID]:
    """Ids from `ids=a,b,c` and/or repeated `ids`, first occurrence kept, in order."""
    parsed: dict[uuid.UUID, None] = {}
    for value in raw or ():
        for piece in value.split(","):
            user_id = parse_uuid(piece.strip())
            if user_id is None:
                raise InvalidRelationshipQuery(f"Not a user id: {piece.strip()[:40]!r}")
            parsed[user_id] = None
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
    connection: AsyncConnection, project_id: uuid.UUID, caller_id: uuid.UUID, ids: list[uuid.UUID]
) -> dict[str, Any]:
    """One item per id in the order given; users who do not exist, or who block the caller,
    are `found: false` alike. The caller's own id relates to nothing (`none`, 0)."""
    # A hundred rows of facts: read as plain tuples, the per-row cost of mappings showed.
    mutuals: dict[uuid.UUID, int] = {}
    flags: dict[str, set[uuid.UUID]] = {"following": set(), "followed_by": set(), "blocking": set()}
    records: dict[uuid.UUID, dict[str, str]] = {}
    for kind, user_id, amount, record_id, requester_id, status in await repository.relations(
        connection, project_id, caller_id, ids
    ):
        if kind == "found":
            mutuals[user_id] = 0 if user_id == caller_id else amount
        elif kind == "record":
            records[user_id] = _connection_state(record_id, requester_id, status, caller_id)
        else:
            flags[kind].add(user_id)
    none = {"status": "none"}
    items: list[dict[str, Any]] = []
    for user_id in ids:
        key = str(user_id)
        if user_id not in mutuals:
            items.append({"userId": key, "found": False})
            continue
        items.append(
            {
                "userId": key,
                "connection": records.get(user_id, none),
                "following": user_id in flags["following"],
                "followedBy": user_id in flags["followed_by"],
                "blocking": user_id in flags["blocking"],
                "mutualConnectionsCount": mutuals[user_id],
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
    other_id = parse_uuid(other_raw)
    if other_id is None:
        raise InvalidUserId()
    if other_id == caller_id:
        raise SelfCheck("You cannot list what you share with yourself")
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
    other_id = parse_uuid(other_raw)
    if other_id is None:
        raise InvalidUserId()
    if other_id != caller_id:
        await repository.dismiss(connection, project_id, caller_id, other_id, utc_now())
