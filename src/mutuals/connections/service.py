"""The rules of connections (API.md §2): who may do what to which record.

Every transition is one conditional statement whose returned row says whether it
happened; only when it did not do we read the record, to explain why in the error.
"""

import uuid
from collections.abc import Mapping
from datetime import datetime
from typing import Any, Literal

from sqlalchemy.ext.asyncio import AsyncConnection

from mutuals.auth.errors import CredentialRejectedError
from mutuals.connections import repository
from mutuals.connections.errors import (
    AlreadyConnected,
    ConnectionForbidden,
    ConnectionNotFound,
    ConnectionUserNotFound,
    InvalidConnectionId,
    InvalidMessage,
    InvalidReceiverId,
    InvalidUserId,
    RequestDeclined,
    RequestPending,
    SelfCheck,
    SelfDisconnect,
    SelfRequest,
)
from mutuals.connections.schemas import connection_event, connection_item, pending_item
from mutuals.kit import events
from mutuals.kit.cursors import CursorRequest, Listing, listed
from mutuals.kit.db.prepared import Row
from mutuals.kit.ids import new_id, parse_id, parse_other
from mutuals.kit.pagination import PageRequest
from mutuals.kit.storable import text_problem
from mutuals.kit.timestamps import to_iso, utc_now
from mutuals.notifications.service import notify_connection_event, retract_connection_request
from mutuals.users.repository import lock_pair_reading_profiles
from mutuals.users.search import Search
from mutuals.visibility.filters import Viewer, blocked_between, visible_counter

MAX_MESSAGE = 500
# A conflicting record can vanish between our insert and our look at it (a concurrent
# withdraw); we then simply try again, a bounded number of times.
REQUEST_ATTEMPTS = 3

WITHDRAWN = "Connection request withdrawn successfully."
DISCONNECTED = "Connection removed successfully."


def _clean_message(raw: Any) -> str | None:
    if raw is None:
        return None
    if not isinstance(raw, str):
        raise InvalidMessage(field="message")
    message = raw.strip()
    if len(message) > MAX_MESSAGE or text_problem(message) is not None:
        raise InvalidMessage(field="message")
    return message or None


async def request_connection(
    connection: AsyncConnection,
    project_id: uuid.UUID,
    requester_id: uuid.UUID,
    receiver_raw: str,
    message_raw: Any,
) -> dict[str, str]:
    receiver_id = parse_other(receiver_raw, requester_id, InvalidReceiverId, SelfRequest)
    message = _clean_message(message_raw)
    profiles = await lock_pair_reading_profiles(connection, project_id, (requester_id, receiver_id))
    if receiver_id not in profiles:
        raise ConnectionUserNotFound()
    if requester_id not in profiles:
        raise CredentialRejectedError()
    connection_id = new_id()
    now = utc_now()
    for _ in range(REQUEST_ATTEMPTS):
        args = (connection, project_id, connection_id, requester_id, receiver_id, message, now)
        if await repository.insert_pending(*args):
            break
        # A block between the two, either way, makes the other user not exist (§7.5); the
        # insert checked it, and the pair lock, taken with the profiles, orders that check
        # against a block of the same pair. Only a refusal asks why.
        if await blocked_between(connection, project_id, requester_id, receiver_id):
            raise ConnectionUserNotFound()
        if await repository.replace_declined_by_receiver(*args):
            break
        existing = await repository.find_between(connection, project_id, requester_id, receiver_id)
        conflict = None if existing is None else _conflict(existing, requester_id)
        if conflict is not None:
            raise conflict
    else:
        raise RequestPending()

    requested = repository.fresh_request(connection_id, requester_id, receiver_id, message, now)
    _record(connection, project_id, "connection.requested", requested, requester_id, now)
    await notify_connection_event(
        connection,
        project_id,
        receiver_id,
        "connection-request",
        connection_id,
        profiles[requester_id],
        now,
    )
    return {"id": str(connection_id), "status": "pending", "createdAt": to_iso(now)}


def _record(
    connection: AsyncConnection,
    project_id: uuid.UUID,
    event_type: events.EventType,
    record: Mapping[Any, Any],
    actor_id: uuid.UUID,
    now: datetime,
    *,
    reason: str | None = None,
) -> None:
    events.record(
        connection, project_id, event_type, connection_event(record), actor_id, now, reason=reason
    )


def _conflict(existing: Row, requester_id: uuid.UUID) -> Exception | None:
    """Why a request cannot be made, or None when the record changed and a retry may pass."""
    if existing["status"] == "accepted":
        return AlreadyConnected()
    if existing["status"] == "pending":
        return RequestPending()
    if existing["requester_id"] == requester_id:
        return RequestDeclined()
    return None


async def status_with(
    connection: AsyncConnection, project_id: uuid.UUID, user_id: uuid.UUID, other_raw: str
) -> dict[str, str]:
    other_id = parse_other(other_raw, user_id, InvalidUserId, SelfCheck)
    record = await repository.find_between(connection, project_id, user_id, other_id)
    if record is None:
        return {"status": "none"}
    direction = "sent" if record["requester_id"] == user_id else "received"
    if record["status"] == "pending":
        return {
            "status": "pending",
            "type": direction,
            "connectionId": str(record["id"]),
            "createdAt": to_iso(record["created_at"]),
        }
    if record["status"] == "accepted":
        return {
            "status": "connected",
            "connectionId": str(record["id"]),
            "connectedAt": to_iso(record["responded_at"]),
            "requestedAt": to_iso(record["created_at"]),
        }
    return {
        "status": "declined",
        "type": direction,
        "connectionId": str(record["id"]),
        "respondedAt": to_iso(record["responded_at"]),
    }


async def respond(
    connection: AsyncConnection,
    project_id: uuid.UUID,
    receiver_id: uuid.UUID,
    connection_raw: str,
    decision: Literal["accepted", "declined"],
) -> dict[str, str]:
    connection_id = parse_id(connection_raw, InvalidConnectionId)
    now = utc_now()
    responded = await repository.respond_to_pending(
        connection, project_id, connection_id, receiver_id, decision, now
    )
    if responded is None:
        existing = await repository.find_by_id(connection, project_id, connection_id)
        if existing is None or existing["status"] != "pending":
            raise ConnectionNotFound()
        raise ConnectionForbidden()
    event_type: events.EventType = (
        "connection.accepted" if decision == "accepted" else "connection.declined"
    )
    _record(connection, project_id, event_type, responded.record, receiver_id, now)
    if responded.profile is not None:  # accepted: the counters moved with it
        await notify_connection_event(
            connection,
            project_id,
            responded.record["requester_id"],
            "connection-accepted",
            connection_id,
            responded.profile,
            now,
        )
    return {"id": str(connection_id), "status": decision, "respondedAt": to_iso(now)}


async def remove_by_id(
    connection: AsyncConnection, project_id: uuid.UUID, user_id: uuid.UUID, connection_raw: str
) -> dict[str, str]:
    connection_id = parse_id(connection_raw, InvalidConnectionId)
    removed = await repository.delete_by_id_if_removable(
        connection, project_id, connection_id, user_id
    )
    if removed is None:
        existing = await repository.find_by_id(connection, project_id, connection_id)
        if existing is None or existing["status"] == "declined":
            raise ConnectionNotFound()
        raise ConnectionForbidden()
    if removed["status"] == "accepted":
        _forget_connection(connection, project_id, removed, user_id)
        return {"message": DISCONNECTED}
    await _forget_request(connection, project_id, removed, user_id)
    return {"message": WITHDRAWN}


async def remove_with_user(
    connection: AsyncConnection, project_id: uuid.UUID, user_id: uuid.UUID, other_raw: str
) -> dict[str, str]:
    other_id = parse_other(other_raw, user_id, InvalidUserId, SelfDisconnect)
    removed = await repository.delete_between_if_removable(
        connection, project_id, user_id, other_id
    )
    if removed is not None:
        if removed["status"] == "accepted":
            _forget_connection(connection, project_id, removed, user_id)
            return {"message": DISCONNECTED, "action": "disconnect"}
        await _forget_request(connection, project_id, removed, user_id)
        return {"message": WITHDRAWN, "action": "withdraw"}
    now = utc_now()
    declined = await repository.decline_pending_between(
        connection, project_id, user_id, other_id, now
    )
    if declined is None:
        raise ConnectionNotFound()
    _record(connection, project_id, "connection.declined", declined, user_id, now)
    return {
        "id": str(declined["id"]),
        "status": "declined",
        "respondedAt": to_iso(declined["responded_at"]),
        "action": "decline",
    }


async def _forget_request(
    connection: AsyncConnection,
    project_id: uuid.UUID,
    removed: Row,
    actor_id: uuid.UUID,
    reason: str | None = None,
) -> None:
    """A pending request deleted: withdrawn (or severed by a block)."""
    await retract_connection_request(connection, project_id, removed["receiver_id"], removed["id"])
    _record(
        connection, project_id, "connection.withdrawn", removed, actor_id, utc_now(), reason=reason
    )


def _forget_connection(
    connection: AsyncConnection,
    project_id: uuid.UUID,
    removed: Row,
    actor_id: uuid.UUID,
    reason: str | None = None,
) -> None:
    """An accepted (or, severed by a block, a declined) record deleted (its counters
    already moved)."""
    _record(
        connection, project_id, "connection.removed", removed, actor_id, utc_now(), reason=reason
    )


async def list_connections(
    connection: AsyncConnection,
    project_id: uuid.UUID,
    user_id: uuid.UUID,
    listing: Listing,
    search: Search | None,
    viewer: Viewer,
) -> dict[str, Any]:
    count: int | None = None
    if isinstance(listing, PageRequest):
        count = await _visible_count(connection, project_id, user_id, viewer)
        if search is not None:
            count = await repository.count_accepted_matching(
                connection, project_id, user_id, search, viewer
            )
    else:
        await _require_visible(connection, project_id, user_id, viewer)
    rows: list[Row] = []
    if isinstance(listing, CursorRequest) or listing.offset < (count or 0):
        rows = await repository.list_accepted(
            connection, project_id, user_id, listing, search, viewer
        )
    items = [connection_item(row) for row in rows]
    return listed(items, rows, listing, count, _connection_position)


def _connection_position(row: Row) -> tuple[datetime, uuid.UUID]:
    return row["connected_at"], row["connection_id"]


def _pending_position(row: Row) -> tuple[datetime, uuid.UUID]:
    return row["requested_at"], row["connection_id"]


async def count_connections(
    connection: AsyncConnection, project_id: uuid.UUID, user_id: uuid.UUID, viewer: Viewer
) -> dict[str, int]:
    return {"count": await _visible_count(connection, project_id, user_id, viewer)}


async def _visible_count(
    connection: AsyncConnection, project_id: uuid.UUID, user_id: uuid.UUID, viewer: Viewer
) -> int:
    """The user's accepted connections that the viewer may see; 404 for a user who does
    not exist, or who blocks the viewer (the same thing, as far as the viewer can tell)."""
    count = await repository.visible_count(connection, project_id, user_id, viewer)
    if count is None:
        raise ConnectionUserNotFound()
    return count


async def _require_visible(
    connection: AsyncConnection, project_id: uuid.UUID, user_id: uuid.UUID, viewer: Viewer
) -> int:
    """The user's connection counter; 404 for a user who does not exist for the viewer."""
    count = await visible_counter(connection, project_id, user_id, viewer, "connections_count")
    if count is None:
        raise ConnectionUserNotFound()
    return count


async def list_pending(
    connection: AsyncConnection,
    project_id: uuid.UUID,
    user_id: uuid.UUID,
    kind: Literal["sent", "received"],
    listing: Listing,
) -> dict[str, Any]:
    side: repository.Side = "requester_id" if kind == "sent" else "receiver_id"
    rows, total = await repository.list_pending(connection, project_id, user_id, side, listing)
    items = [pending_item(row, kind) for row in rows]
    return listed(items, rows, listing, total, _pending_position)


async def detach_pair(
    connection: AsyncConnection, project_id: uuid.UUID, a: uuid.UUID, b: uuid.UUID
) -> Row | None:
    """Deletes the record between two users, whatever its state; `forget_detached` then
    accounts for it (edge rows first, counter rows after, as every change does)."""
    return await repository.delete_between(connection, project_id, a, b)


async def forget_detached(
    connection: AsyncConnection,
    project_id: uuid.UUID,
    removed: Row | None,
    blocker_id: uuid.UUID,
) -> None:
    """Accounts for a record a block deleted; its event says the block was the reason."""
    if removed is None:
        return
    if removed["status"] == "pending":
        await _forget_request(connection, project_id, removed, blocker_id, "block")
        return
    if removed["status"] == "accepted":
        await repository.adjust_connection_counts(
            connection, project_id, removed["requester_id"], removed["receiver_id"], -1
        )
    _forget_connection(connection, project_id, removed, blocker_id, "block")
