"""What happened (API.md §9.1): the transactional outbox.

A service records an event with one call, in the transaction of the change it describes,
next to where the change's notification is written: the event commits exactly when the
change does, and a rolled-back change leaves nothing. Recording also queues one delivery
per enabled webhook of the project subscribed to the type; the dispatcher
(webhooks/dispatcher.py) sends them and knows nothing of connections or follows.
"""

import uuid
from datetime import datetime
from typing import Any, Literal, get_args

import orjson
from sqlalchemy import Uuid, bindparam, exists, func, insert, literal_column, select, text
from sqlalchemy.ext.asyncio import AsyncConnection

from mutuals.business_metrics import RECORDED_EVENTS
from mutuals.db import deliveries_queued
from mutuals.ids import new_id
from mutuals.models import events, webhook_deliveries, webhooks
from mutuals.models.base import UtcDateTime
from mutuals.prepared import Prepared
from mutuals.timestamps import to_iso

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

# One statement on PostgreSQL: the event and its deliveries; it answers a row when it
# queued any. (No NOTIFY here: PostgreSQL serialises the commits of notifying transactions,
# fsync included, which cost a third of the write throughput under load.)
_RECORD_POSTGRES = Prepared(
    text(
        """
    WITH event AS (
        INSERT INTO events (project_id, id, type, payload, created_at)
        VALUES (:project_id, :event_id, :type, :payload, :created_at)
        RETURNING project_id, id
    ), queued AS (
        INSERT INTO webhook_deliveries (project_id, id, webhook_id, event_id, status,
            attempts, next_attempt_at, created_at, updated_at)
        SELECT w.project_id, gen_random_uuid(), w.id, event.id, 'pending', 0,
            :created_at, :created_at, :created_at
        FROM webhooks AS w, event
        WHERE w.project_id = :project_id AND w.enabled
            AND w.events ?| ARRAY[CAST(:type AS text), '*']
        RETURNING 1
    )
    SELECT 1 FROM queued LIMIT 1
    """
    ).bindparams(
        bindparam("project_id", type_=Uuid()),
        bindparam("event_id", type_=Uuid()),
        bindparam("created_at", type_=UtcDateTime()),
    )
)


async def record(
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
    parameters = {
        "project_id": project_id,
        "event_id": event_id,
        "type": event_type,
        "payload": payload,
        "created_at": now,
    }
    # Counted by the transaction once it commits (business_metrics.py).
    connection.info.setdefault(RECORDED_EVENTS, []).append(event_type)
    if connection.dialect.name == "postgresql":
        if await _RECORD_POSTGRES.row(connection, parameters) is not None:
            deliveries_queued(connection)
        return
    # SQLite: the same rows in three statements (no network between them, no CTE inserts).
    await connection.execute(
        insert(events).values(
            project_id=project_id, id=event_id, type=event_type, payload=payload, created_at=now
        )
    )
    subscribed = await connection.execute(
        select(webhooks.c.id).where(
            webhooks.c.project_id == project_id,
            webhooks.c.enabled,
            exists(
                select(literal_column("1"))
                .select_from(func.json_each(webhooks.c.events).table_valued("value"))
                .where(literal_column("value").in_([event_type, "*"]))
            ),
        )
    )
    deliveries = [
        {
            "project_id": project_id,
            "id": new_id(),
            "webhook_id": webhook_id,
            "event_id": event_id,
            "status": "pending",
            "attempts": 0,
            "next_attempt_at": now,
            "created_at": now,
            "updated_at": now,
        }
        for webhook_id in subscribed.scalars()
    ]
    if deliveries:
        await connection.execute(insert(webhook_deliveries), deliveries)
        deliveries_queued(connection)
