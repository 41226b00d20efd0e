import uuid
from datetime import datetime
from typing import Any, Literal

from sqlalchemy.ext.asyncio import AsyncConnection

from mutuals.kit import events
from mutuals.kit.cursors import Listing, listed
from mutuals.kit.db.prepared import Row
from mutuals.kit.ids import new_id
from mutuals.kit.timestamps import utc_now
from mutuals.notifications import repository
from mutuals.notifications.errors import NotificationNotFound
from mutuals.notifications.schemas import notification_body

ConnectionEvent = Literal["connection-request", "connection-accepted"]


def _initiator(initiator: Row) -> dict[str, Any]:
    return {
        "initiatorId": str(initiator["id"]),
        "initiatorName": initiator["name"],
        "initiatorUsername": initiator["username"],
        "initiatorAvatar": initiator["avatar"],
    }


async def notify_connection_event(
    connection: AsyncConnection,
    project_id: uuid.UUID,
    recipient_id: uuid.UUID,
    event: ConnectionEvent,
    connection_id: uuid.UUID,
    initiator: Row,
    now: datetime,
) -> None:
    """Written in the caller's transaction: the event and its notification commit together."""
    metadata = {"connectionId": str(connection_id), **_initiator(initiator)}
    await _notify(connection, project_id, recipient_id, event, metadata, initiator, now)


async def notify_new_follow(
    connection: AsyncConnection,
    project_id: uuid.UUID,
    followed_id: uuid.UUID,
    follower: Row,
    now: datetime,
) -> None:
    await _notify(
        connection, project_id, followed_id, "new-follow", _initiator(follower), follower, now
    )


async def _notify(
    connection: AsyncConnection,
    project_id: uuid.UUID,
    recipient_id: uuid.UUID,
    kind: str,
    metadata: dict[str, Any],
    initiator: Row,
    now: datetime,
) -> None:
    """The notification, and its event for the app's backend, in the caller's transaction."""
    row: dict[str, Any] = {
        "id": new_id(),
        "project_id": project_id,
        "user_id": recipient_id,
        "type": kind,
        "action": "open-profile",
        "is_read": False,
        "metadata": metadata,
        "created_at": now,
        "updated_at": now,
    }
    repository.insert_notification(connection, row)
    events.record(
        connection,
        project_id,
        "notification.created",
        {"notification": notification_body(row)},
        initiator["id"],
        now,
    )


async def retract_connection_request(
    connection: AsyncConnection,
    project_id: uuid.UUID,
    receiver_id: uuid.UUID,
    connection_id: uuid.UUID,
) -> None:
    """A request that no longer exists is not announced: its unread notice goes with it."""
    await repository.delete_unread_about_connection(
        connection, project_id, receiver_id, "connection-request", connection_id
    )


async def list_notifications(
    connection: AsyncConnection, project_id: uuid.UUID, user_id: uuid.UUID, listing: Listing
) -> dict[str, Any]:
    rows, total = await repository.list_for_user(connection, project_id, user_id, listing)
    return listed([notification_body(row) for row in rows], rows, listing, total, _position)


def _position(row: Row) -> tuple[datetime, uuid.UUID]:
    return row["created_at"], row["id"]


async def unread_count(
    connection: AsyncConnection, project_id: uuid.UUID, user_id: uuid.UUID
) -> int:
    return await repository.count_unread(connection, project_id, user_id)


async def mark_as_read(
    connection: AsyncConnection,
    project_id: uuid.UUID,
    user_id: uuid.UUID,
    notification_id: uuid.UUID,
) -> None:
    if not await repository.mark_read(connection, project_id, user_id, notification_id, utc_now()):
        raise NotificationNotFound()


async def mark_all_as_read(
    connection: AsyncConnection, project_id: uuid.UUID, user_id: uuid.UUID
) -> int:
    return await repository.mark_all_read(connection, project_id, user_id, utc_now())
