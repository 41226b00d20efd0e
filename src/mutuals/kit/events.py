"""What happened (API.md §9.1): the transactional outbox.

A service records an event with one call, in the transaction of the change it describes,
next to where the change's notification is written: the event commits exactly when the
change does, and a rolled-back change leaves nothing (the rows are written just before
the commit, with the transaction's other appended rows: kit/db/appends.py). Recording also
queues one delivery per enabled webhook of the project subscribed to the type; the
dispatcher (webhooks/dispatcher.py) sends them and knows nothing of connections or
follows.
"""

import uuid
from datetime import datetime
from typing import Any, Literal, get_args

import orjson
from sqlalchemy.ext.asyncio import AsyncConnection

from mutuals.kit.db import appends
from mutuals.kit.ids import new_id
from mutuals.kit.observability.business import RECORDED_EVENTS
from mutuals.kit.timestamps import to_iso
from mutuals.models import events

EventType = Literal[
    "connection.requested",
    "connection.accepted",
    "connection.declined",
    "connection.withdrawn",
    "connection.removed",
    "follow.created",
    "follow.deleted",
    "block.created",
    "block.deleted",
    "user.created",
    "user.updated",
    "notification.created",
]
EVENT_TYPES: tuple[str, ...] = get_args(EventType)


def record(
    connection: AsyncConnection,
    project_id: uuid.UUID,
    event_type: EventType,
    data: dict[str, Any],
    actor_id: uuid.UUID | None,
    now: datetime,
    *,
    reason: str | None = None,
) -> None:
    """Records that `event_type` happened, in the caller's transaction. `data` carries the
    record after the change (before it, for a deletion); the acting user is added to it,
    and `reason` when the change was a consequence of another (a block severing a link)."""
    data = {**data, "actorId": None if actor_id is None else str(actor_id)}
    if reason is not None:
        data["reason"] = reason
    event_id = new_id()
    payload = orjson.dumps(
        {
            "id": str(event_id),
            "type": event_type,
            "projectId": str(project_id),
            "createdAt": to_iso(now),
            "data": data,
        }
    ).decode()
    # Counted by the transaction once it commits (kit/observability/business.py).
    connection.info.setdefault(RECORDED_EVENTS, []).append(event_type)
    row = {
        "project_id": project_id,
        "id": event_id,
        "type": event_type,
        "payload": payload,
        "created_at": now,
    }
    appends.add(connection, events, row)
