"""Every query of the webhooks feature: management (scoped by project) and the
dispatcher's claims (across projects, by due time)."""

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import (
    RowMapping,
    and_,
    bindparam,
    delete,
    exists,
    insert,
    select,
    tuple_,
    update,
)
from sqlalchemy.ext.asyncio import AsyncConnection

from mutuals.kit.cursors import Listing
from mutuals.kit.db.paging import read_page
from mutuals.kit.db.rows import one_or_none
from mutuals.models import events, webhook_deliveries, webhooks

DUE_STATUSES = ("pending", "failed")
WEBHOOK_COLUMNS = (
    webhooks.c.id,
    webhooks.c.url,
    webhooks.c.events,
    webhooks.c.description,
    webhooks.c.enabled,
    webhooks.c.created_at,
    webhooks.c.updated_at,
)
DELIVERY_COLUMNS = (
    webhook_deliveries.c.id,
    webhook_deliveries.c.event_id,
    webhook_deliveries.c.status,
    webhook_deliveries.c.attempts,
    webhook_deliveries.c.last_status_code,
    webhook_deliveries.c.last_error,
    webhook_deliveries.c.next_attempt_at,
    webhook_deliveries.c.created_at,
)


# How a delivery reaches its event and its webhook (both keyed within the project).
_ITS_EVENT = and_(
    events.c.project_id == webhook_deliveries.c.project_id,
    events.c.id == webhook_deliveries.c.event_id,
)
_ITS_WEBHOOK = and_(
    webhooks.c.project_id == webhook_deliveries.c.project_id,
    webhooks.c.id == webhook_deliveries.c.webhook_id,
)


def _webhook_is(project_id: uuid.UUID, webhook_id: uuid.UUID) -> Any:
    return and_(webhooks.c.project_id == project_id, webhooks.c.id == webhook_id)


async def insert_webhook(
    connection: AsyncConnection, project_id: uuid.UUID, values: dict[str, Any]
) -> RowMapping:
    result = await connection.execute(
        insert(webhooks).values(project_id=project_id, **values).returning(*WEBHOOK_COLUMNS)
    )
    return result.mappings().one()


async def find_webhook(
    connection: AsyncConnection, project_id: uuid.UUID, webhook_id: uuid.UUID
) -> RowMapping | None:
    result = await connection.execute(
        select(*WEBHOOK_COLUMNS).where(_webhook_is(project_id, webhook_id))
    )
    return result.mappings().one_or_none()


async def update_webhook(
    connection: AsyncConnection,
    project_id: uuid.UUID,
    webhook_id: uuid.UUID,
    values: dict[str, Any],
) -> RowMapping | None:
    return await one_or_none(
        connection,
        update(webhooks)
        .where(_webhook_is(project_id, webhook_id))
        .values(**values)
        .returning(*WEBHOOK_COLUMNS),
    )


async def rotate_secret(
    connection: AsyncConnection,
    project_id: uuid.UUID,
    webhook_id: uuid.UUID,
    sealed: str,
    previous_expires_at: datetime,
    now: datetime,
) -> RowMapping | None:
    """The current secret becomes the previous one (the SET reads the old value)."""
    return await one_or_none(
        connection,
        update(webhooks)
        .where(_webhook_is(project_id, webhook_id))
        .values(
            previous_secret=webhooks.c.secret,
            previous_secret_expires_at=previous_expires_at,
            secret=sealed,
            updated_at=now,
        )
        .returning(*WEBHOOK_COLUMNS),
    )


async def delete_webhook(
    connection: AsyncConnection, project_id: uuid.UUID, webhook_id: uuid.UUID
) -> bool:
    result = await connection.execute(
        delete(webhooks).where(_webhook_is(project_id, webhook_id)).returning(webhooks.c.id)
    )
    return result.first() is not None


async def list_webhooks(
    connection: AsyncConnection, project_id: uuid.UUID, listing: Listing
) -> tuple[list[RowMapping], int | None]:
    mine = webhooks.c.project_id == project_id
    return await read_page(
        connection,
        select(*WEBHOOK_COLUMNS),
        mine,
        webhooks.c.created_at,
        webhooks.c.id,
        listing,
    )


async def list_deliveries(
    connection: AsyncConnection, project_id: uuid.UUID, webhook_id: uuid.UUID, listing: Listing
) -> tuple[list[RowMapping], int | None]:
    deliveries = webhook_deliveries.c
    query = select(*DELIVERY_COLUMNS, events.c.type.label("event_type")).join(events, _ITS_EVENT)
    mine = and_(deliveries.project_id == project_id, deliveries.webhook_id == webhook_id)
    return await read_page(connection, query, mine, deliveries.created_at, deliveries.id, listing)


async def find_delivery(
    connection: AsyncConnection,
    project_id: uuid.UUID,
    webhook_id: uuid.UUID,
    delivery_id: uuid.UUID,
) -> RowMapping | None:
    deliveries = webhook_deliveries.c
    result = await connection.execute(
        select(*DELIVERY_COLUMNS, events.c.type.label("event_type"))
        .join(events, _ITS_EVENT)
        .where(
            deliveries.project_id == project_id,
            deliveries.webhook_id == webhook_id,
            deliveries.id == delivery_id,
        )
    )
    return result.mappings().one_or_none()


async def insert_delivery(
    connection: AsyncConnection,
    project_id: uuid.UUID,
    delivery_id: uuid.UUID,
    webhook_id: uuid.UUID,
    event_id: uuid.UUID,
    now: datetime,
) -> RowMapping:
    result = await connection.execute(
        insert(webhook_deliveries)
        .values(
            project_id=project_id,
            id=delivery_id,
            webhook_id=webhook_id,
            event_id=event_id,
            status="pending",
            attempts=0,
            next_attempt_at=now,
            created_at=now,
            updated_at=now,
        )
        .returning(*DELIVERY_COLUMNS)
    )
    return result.mappings().one()


# The dispatcher's side.


def _to_attempt(*columns: Any) -> Any:
    """Deliveries still to be attempted, of enabled webhooks, soonest first."""
    deliveries = webhook_deliveries.c
    return (
        select(*columns)
        .join(webhooks, _ITS_WEBHOOK)
        .where(deliveries.status.in_(DUE_STATUSES), webhooks.c.enabled)
        .order_by(deliveries.next_attempt_at)
    )


async def _walk_due_index(connection: AsyncConnection) -> None:
    """PostgreSQL, in a transaction: the due deliveries are read in index order, stopping at
    the limit. The queue's statistics lag behind its churn (a table analysed while nearly
    empty holds thousands of due rows seconds later), and on stale ones the planner chose
    to read and sort every due row for each claim: a backlog made each claim slower, and
    the dispatcher fell further behind."""
    if connection.dialect.name == "postgresql":
        await connection.exec_driver_sql("SET LOCAL enable_sort TO off")


async def next_due_at(connection: AsyncConnection) -> datetime | None:
    """When the soonest delivery of an enabled webhook is due (past times included)."""
    await _walk_due_index(connection)
    due: datetime | None = await connection.scalar(
        _to_attempt(webhook_deliveries.c.next_attempt_at).limit(1)
    )
    return due


# What an attempt needs: the delivery, its event's body and its webhook's address and secrets.
_ATTEMPT_COLUMNS = (
    webhook_deliveries.c.project_id,
    webhook_deliveries.c.id,
    webhook_deliveries.c.attempts,
    webhook_deliveries.c.created_at,
    events.c.id.label("event_id"),
    events.c.payload,
    webhooks.c.url,
    webhooks.c.secret,
    webhooks.c.previous_secret,
    webhooks.c.previous_secret_expires_at,
)


async def claim_due(
    connection: AsyncConnection, now: datetime, lease_until: datetime, limit: int
) -> list[RowMapping]:
    """Claims up to `limit` due deliveries: each one's attempt is counted and it is not due
    again before `lease_until`, so no other dispatcher sends this attempt. On PostgreSQL the
    rows another dispatcher is claiming at the same moment are skipped, not waited for;
    SQLite runs one write transaction at a time, which gives the same guarantee."""
    await _walk_due_index(connection)
    deliveries = webhook_deliveries.c
    due = (
        _to_attempt(deliveries.project_id, deliveries.id)
        .where(deliveries.next_attempt_at <= now)
        .limit(limit)
        .with_for_update(skip_locked=True, of=webhook_deliveries)
    )
    claim = (
        update(webhook_deliveries)
        .where(tuple_(deliveries.project_id, deliveries.id).in_(due))
        .values(attempts=deliveries.attempts + 1, next_attempt_at=lease_until, updated_at=now)
    )
    if connection.dialect.name == "postgresql":
        # One statement: the claim returns what the attempts need (UPDATE ... FROM).
        result = await connection.execute(
            claim.where(_ITS_EVENT, _ITS_WEBHOOK).returning(*_ATTEMPT_COLUMNS)
        )
        return list(result.mappings())
    # SQLite's RETURNING cannot name the tables of UPDATE ... FROM: the keys, then a read.
    claimed = await connection.execute(claim.returning(deliveries.project_id, deliveries.id))
    keys = [(row.project_id, row.id) for row in claimed]
    if not keys:
        return []
    result = await connection.execute(
        select(*_ATTEMPT_COLUMNS)
        .join(events, _ITS_EVENT)
        .join(webhooks, _ITS_WEBHOOK)
        .where(tuple_(deliveries.project_id, deliveries.id).in_(keys))
    )
    return list(result.mappings())


SETTLE = (
    update(webhook_deliveries)
    .where(
        webhook_deliveries.c.project_id == bindparam("b_project_id"),
        webhook_deliveries.c.id == bindparam("b_id"),
        # Unless a later claim has taken the delivery since (its lease ran out), or it is
        # settled already. Not written as the status: that matches the due index's
        # condition, which a planner with stale statistics then scans (models/webhooks.py).
        webhook_deliveries.c.attempts == bindparam("b_attempt"),
        webhook_deliveries.c.next_attempt_at.is_not(None),
    )
    .values(
        status=bindparam("b_status"),
        next_attempt_at=bindparam("b_next_attempt_at"),
        last_status_code=bindparam("b_last_status_code"),
        last_error=bindparam("b_last_error"),
        updated_at=bindparam("b_updated_at"),
    )
)


async def settle_attempts(connection: AsyncConnection, outcomes: list[dict[str, Any]]) -> None:
    """Records the outcomes of attempts, each keyed by project_id, id and attempt."""
    await connection.execute(
        SETTLE, [{f"b_{name}": value for name, value in item.items()} for item in outcomes]
    )


async def purge_events(connection: AsyncConnection, before: datetime, batch: int) -> int:
    """Deletes up to `batch` events older than `before` with nothing left to deliver (their
    deliveries go with them); how many were deleted."""
    deliveries = webhook_deliveries.c
    still_due = exists().where(
        deliveries.project_id == events.c.project_id,
        deliveries.event_id == events.c.id,
        deliveries.status.in_(DUE_STATUSES),
    )
    old = (
        select(events.c.project_id, events.c.id)
        .where(events.c.created_at < before, ~still_due)
        .limit(batch)
    )
    result = await connection.execute(
        delete(events).where(tuple_(events.c.project_id, events.c.id).in_(old))
    )
    return int(result.rowcount or 0)
