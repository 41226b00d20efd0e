"""Rows a change appends and never reads back in its own transaction: its events (API.md
§9.1), their webhook deliveries, its notifications.

They wait on the connection and are written together just before the commit (database.py):
on PostgreSQL in one statement whatever their number, so a transition that records two
events and a notification pays one round trip for them instead of three. They still
commit exactly when the change does, and a rolled-back change writes none of them.
Anything that reads or deletes those rows inside a transaction flushes first (`flush`).
"""

import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import orjson
from sqlalchemy import (
    Boolean,
    DateTime,
    String,
    Text,
    Uuid,
    bindparam,
    exists,
    func,
    insert,
    literal_column,
    select,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.ext.asyncio import AsyncConnection

from mutuals.kit.db.prepared import Prepared
from mutuals.kit.ids import new_id
from mutuals.models import app_notifications, events, webhook_deliveries, webhooks

# Set on a connection whose transaction queued webhook deliveries: its commit wakes this
# process's dispatchers (database.py).
DELIVERIES_QUEUED = "mutuals_deliveries_queued"
_WAITING = "mutuals_appends"


def deliveries_queued(connection: AsyncConnection) -> None:
    """Marks the transaction as one whose commit should wake this process's dispatchers."""
    connection.info[DELIVERIES_QUEUED] = True


@dataclass
class Waiting:
    events: list[dict[str, Any]] = field(default_factory=list)
    notifications: list[dict[str, Any]] = field(default_factory=list)


def _waiting(connection: AsyncConnection) -> Waiting:
    waiting: Waiting | None = connection.info.get(_WAITING)
    if waiting is None:
        waiting = connection.info[_WAITING] = Waiting()
    return waiting


def add_event(
    connection: AsyncConnection,
    project_id: uuid.UUID,
    event_id: uuid.UUID,
    event_type: str,
    payload: str,
    created_at: datetime,
) -> None:
    """An event row (and, at the flush, one delivery per subscribed, enabled webhook)."""
    _waiting(connection).events.append(
        {
            "project_id": project_id,
            "id": event_id,
            "type": event_type,
            "payload": payload,
            "created_at": created_at,
        }
    )


def add_notification(connection: AsyncConnection, row: dict[str, Any]) -> None:
    """A notification given as its full row (project_id included)."""
    _waiting(connection).notifications.append(row)


def discard(connection: AsyncConnection) -> None:
    """Forgets what waits (the transaction is rolling back)."""
    connection.info.pop(_WAITING, None)


async def flush(connection: AsyncConnection) -> None:
    """Writes what waits, in the connection's transaction."""
    waiting: Waiting | None = connection.info.pop(_WAITING, None)
    if waiting is None or not (waiting.events or waiting.notifications):
        return
    if connection.dialect.name == "postgresql":
        queued = await _flush_postgres(connection, waiting)
    else:
        queued = await _flush_sqlite(connection, waiting)
    if queued:
        deliveries_queued(connection)


def _array(name: str, item: Any) -> Any:
    return bindparam(name, type_=ARRAY(item))


# Each kind of row arrives as one array per column (unnest turns them back into rows);
# the deliveries follow the events through the webhooks subscribed to their type. It
# answers a row when it queued any delivery. (No NOTIFY here: PostgreSQL serialises the
# commits of notifying transactions, fsync included, which cost a third of the write
# throughput under load.)
_FLUSH_POSTGRES = Prepared(
    text(
        """
    WITH noticed AS (
        INSERT INTO app_notifications (project_id, id, user_id, type, action, is_read,
            metadata, created_at, updated_at)
        SELECT n.project_id, n.id, n.user_id, n.type, n.action, n.is_read,
            CAST(n.metadata AS jsonb), n.created_at, n.updated_at
        FROM unnest(:n_project_ids, :n_ids, :n_user_ids, :n_types, :n_actions, :n_is_read,
            :n_metadata, :n_created_at, :n_updated_at)
            AS n(project_id, id, user_id, type, action, is_read, metadata, created_at,
                updated_at)
    ), event AS (
        INSERT INTO events (project_id, id, type, payload, created_at)
        SELECT e.project_id, e.id, e.type, e.payload, e.created_at
        FROM unnest(:e_project_ids, :e_ids, :e_types, :e_payloads, :e_created_at)
            AS e(project_id, id, type, payload, created_at)
        RETURNING project_id, id, type, created_at
    ), queued AS (
        INSERT INTO webhook_deliveries (project_id, id, webhook_id, event_id, status,
            attempts, next_attempt_at, created_at, updated_at)
        SELECT w.project_id, gen_random_uuid(), w.id, event.id, 'pending', 0,
            event.created_at, event.created_at, event.created_at
        FROM event JOIN webhooks AS w ON w.project_id = event.project_id
        WHERE w.enabled AND w.events ?| ARRAY[CAST(event.type AS text), '*']
        RETURNING 1
    )
    SELECT 1 FROM queued LIMIT 1
    """
    ).bindparams(
        _array("n_project_ids", Uuid()),
        _array("n_ids", Uuid()),
        _array("n_user_ids", Uuid()),
        _array("n_types", String()),
        _array("n_actions", String()),
        _array("n_is_read", Boolean()),
        _array("n_metadata", Text()),
        _array("n_created_at", DateTime(timezone=True)),
        _array("n_updated_at", DateTime(timezone=True)),
        _array("e_project_ids", Uuid()),
        _array("e_ids", Uuid()),
        _array("e_types", String()),
        _array("e_payloads", Text()),
        _array("e_created_at", DateTime(timezone=True)),
    )
)


async def _flush_postgres(connection: AsyncConnection, waiting: Waiting) -> bool:
    notes, recorded = waiting.notifications, waiting.events
    parameters = {
        "n_project_ids": [note["project_id"] for note in notes],
        "n_ids": [note["id"] for note in notes],
        "n_user_ids": [note["user_id"] for note in notes],
        "n_types": [note["type"] for note in notes],
        "n_actions": [note["action"] for note in notes],
        "n_is_read": [note["is_read"] for note in notes],
        "n_metadata": [orjson.dumps(note["metadata"]).decode() for note in notes],
        "n_created_at": [note["created_at"] for note in notes],
        "n_updated_at": [note["updated_at"] for note in notes],
        "e_project_ids": [event["project_id"] for event in recorded],
        "e_ids": [event["id"] for event in recorded],
        "e_types": [event["type"] for event in recorded],
        "e_payloads": [event["payload"] for event in recorded],
        "e_created_at": [event["created_at"] for event in recorded],
    }
    return await _FLUSH_POSTGRES.row(connection, parameters) is not None


async def _flush_sqlite(connection: AsyncConnection, waiting: Waiting) -> bool:
    """The same rows in a few statements (no network between them, no CTE inserts)."""
    if waiting.notifications:
        await connection.execute(insert(app_notifications), waiting.notifications)
    if not waiting.events:
        return False
    await connection.execute(insert(events), waiting.events)
    deliveries: list[dict[str, Any]] = []
    for event in waiting.events:
        subscribed = await connection.scalars(
            select(webhooks.c.id).where(
                webhooks.c.project_id == event["project_id"],
                webhooks.c.enabled,
                exists(
                    select(literal_column("1"))
                    .select_from(func.json_each(webhooks.c.events).table_valued("value"))
                    .where(literal_column("value").in_([event["type"], "*"]))
                ),
            )
        )
        deliveries.extend(
            {
                "project_id": event["project_id"],
                "id": new_id(),
                "webhook_id": webhook_id,
                "event_id": event["id"],
                "status": "pending",
                "attempts": 0,
                "next_attempt_at": event["created_at"],
                "created_at": event["created_at"],
                "updated_at": event["created_at"],
            }
            for webhook_id in subscribed
        )
    if deliveries:
        await connection.execute(insert(webhook_deliveries), deliveries)
    return bool(deliveries)
