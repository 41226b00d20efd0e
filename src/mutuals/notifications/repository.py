import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import (
    RowMapping,
    bindparam,
    delete,
    func,
    literal_column,
    select,
    update,
)
from sqlalchemy.ext.asyncio import AsyncConnection

from mutuals.kit.cursors import Listing
from mutuals.kit.db import appends
from mutuals.kit.db.paging import read_page
from mutuals.kit.db.prepared import Prepared
from mutuals.kit.db.rows import matching
from mutuals.models import app_notifications

# A literal so the planner can use the partial index of unread rows.
UNREAD = app_notifications.c.is_read == literal_column("false")


def insert_notification(connection: AsyncConnection, row: dict[str, Any]) -> None:
    """Inserts a notification given as its full row (project_id included), with the
    transaction's other appended rows, just before its commit (kit/db/appends.py)."""
    appends.add(connection, app_notifications, row)


# Reaches the user's unread rows through their partial index, then matches the id.
DELETE_UNREAD_ABOUT = Prepared(
    delete(app_notifications).where(
        app_notifications.c.project_id == bindparam("pid"),
        app_notifications.c.user_id == bindparam("uid"),
        UNREAD,
        app_notifications.c.type == bindparam("kind"),
        app_notifications.c.metadata["connectionId"].as_string() == bindparam("about"),
    )
)


async def delete_unread_about_connection(
    connection: AsyncConnection,
    project_id: uuid.UUID,
    user_id: uuid.UUID,
    kind: str,
    connection_id: uuid.UUID,
) -> None:
    # A notice of this same transaction, still waiting, is written first (prepared.py).
    parameters = {"pid": project_id, "uid": user_id, "kind": kind, "about": str(connection_id)}
    await DELETE_UNREAD_ABOUT.rows(connection, parameters)


async def list_for_user(
    connection: AsyncConnection, project_id: uuid.UUID, user_id: uuid.UUID, listing: Listing
) -> tuple[list[RowMapping], int | None]:
    """A page of the user's notifications, and their total (None for a page by cursor)."""
    mine = (app_notifications.c.project_id == project_id) & (app_notifications.c.user_id == user_id)
    at, item_id = app_notifications.c.created_at, app_notifications.c.id
    return await read_page(connection, select(app_notifications), mine, at, item_id, listing)


async def count_unread(
    connection: AsyncConnection, project_id: uuid.UUID, user_id: uuid.UUID
) -> int:
    total = await connection.scalar(
        select(func.count())
        .select_from(app_notifications)
        .where(matching(app_notifications, project_id=project_id, user_id=user_id), UNREAD)
    )
    return total or 0


async def mark_read(
    connection: AsyncConnection,
    project_id: uuid.UUID,
    user_id: uuid.UUID,
    notification_id: uuid.UUID,
    now: datetime,
) -> bool:
    """True when the user owns the notification (already read or not)."""
    its = matching(app_notifications, project_id=project_id, id=notification_id, user_id=user_id)
    result = await connection.execute(
        update(app_notifications)
        .where(its)
        .values(is_read=True, updated_at=now)
        .returning(app_notifications.c.id)
    )
    return result.first() is not None


async def mark_all_read(
    connection: AsyncConnection, project_id: uuid.UUID, user_id: uuid.UUID, now: datetime
) -> int:
    result = await connection.execute(
        update(app_notifications)
        .where(matching(app_notifications, project_id=project_id, user_id=user_id), UNREAD)
        .values(is_read=True, updated_at=now)
        .returning(app_notifications.c.id)
    )
    return len(result.all())
