"""Which webhooks an event goes to (API.md §9.2): one delivery for each enabled webhook of
the event's project subscribed to its type or to `*`, queued in the transaction that
records the event, with the transaction's other appended rows (kit/db/appends.py)."""

from typing import Any

from sqlalchemy import (
    CTE,
    Insert,
    Text,
    cast,
    exists,
    func,
    insert,
    literal,
    literal_column,
    select,
)
from sqlalchemy.dialects.postgresql import JSONB, array
from sqlalchemy.ext.asyncio import AsyncConnection

from mutuals.kit.db.appends import FollowUp, deliveries_queued
from mutuals.kit.ids import new_id
from mutuals.models import events, webhook_deliveries, webhooks

DELIVERY_COLUMNS = [
    "project_id",
    "id",
    "webhook_id",
    "event_id",
    "status",
    "attempts",
    "next_attempt_at",
    "created_at",
    "updated_at",
]


def _postgres(appended: CTE) -> Insert:
    """The deliveries of the appended events, in the same statement as the events."""
    subscribed = cast(webhooks.c.events, JSONB).has_any(
        array([cast(appended.c.type, Text), literal("*", Text)])
    )
    return (
        insert(webhook_deliveries)
        .from_select(
            DELIVERY_COLUMNS,
            select(
                webhooks.c.project_id,
                func.gen_random_uuid(),
                webhooks.c.id,
                appended.c.id,
                literal("pending"),
                literal(0),
                appended.c.created_at,
                appended.c.created_at,
                appended.c.created_at,
            )
            .select_from(appended.join(webhooks, webhooks.c.project_id == appended.c.project_id))
            .where(webhooks.c.enabled, subscribed),
        )
        .returning(literal(1))
    )


async def _sqlite(connection: AsyncConnection, recorded: list[dict[str, Any]]) -> bool:
    """The same deliveries, one subscription query per event (no network between them)."""
    deliveries: list[dict[str, Any]] = []
    for event in recorded:
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


DELIVERIES_FOLLOW_EVENTS = FollowUp(events, _postgres, _sqlite, deliveries_queued)
# What every Database of the service is built with (app.py, the operator's commands).
FOLLOW_UPS = (DELIVERIES_FOLLOW_EVENTS,)
