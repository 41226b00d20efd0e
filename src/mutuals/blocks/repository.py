"""Every query of the blocks feature. Each one starts from the project id."""

import uuid
from datetime import datetime

from sqlalchemy import RowMapping, and_, delete, select
from sqlalchemy.ext.asyncio import AsyncConnection

from mutuals.kit.cursors import Listing
from mutuals.kit.db.database import insert_ignoring_conflicts
from mutuals.kit.db.paging import read_page
from mutuals.kit.db.rows import matching, one_or_none
from mutuals.models import blocks, users
from mutuals.users.schemas import PUBLIC_USER_COLUMNS

BLOCK_COLUMNS = (blocks.c.id, blocks.c.blocker_id, blocks.c.blocked_id, blocks.c.created_at)


async def insert_block(
    connection: AsyncConnection,
    project_id: uuid.UUID,
    block_id: uuid.UUID,
    blocker_id: uuid.UUID,
    blocked_id: uuid.UUID,
    now: datetime,
) -> RowMapping | None:
    """The new block, or None when the pair was already blocked this way."""
    return await one_or_none(
        connection,
        insert_ignoring_conflicts(connection, blocks)
        .values(
            project_id=project_id,
            id=block_id,
            blocker_id=blocker_id,
            blocked_id=blocked_id,
            created_at=now,
        )
        .returning(*BLOCK_COLUMNS),
    )


async def find_block(
    connection: AsyncConnection, project_id: uuid.UUID, blocker_id: uuid.UUID, blocked_id: uuid.UUID
) -> RowMapping | None:
    pair = matching(blocks, project_id=project_id, blocker_id=blocker_id, blocked_id=blocked_id)
    return await one_or_none(connection, select(*BLOCK_COLUMNS).where(pair))


async def delete_block(
    connection: AsyncConnection, project_id: uuid.UUID, blocker_id: uuid.UUID, blocked_id: uuid.UUID
) -> RowMapping | None:
    """The deleted block, or None when there was none."""
    pair = matching(blocks, project_id=project_id, blocker_id=blocker_id, blocked_id=blocked_id)
    return await one_or_none(connection, delete(blocks).where(pair).returning(*BLOCK_COLUMNS))


async def list_mine(
    connection: AsyncConnection, project_id: uuid.UUID, blocker_id: uuid.UUID, listing: Listing
) -> tuple[list[RowMapping], int | None]:
    """A page of the user's blocks, and their total (None for a page by cursor)."""
    mine = and_(blocks.c.project_id == project_id, blocks.c.blocker_id == blocker_id)
    query = select(
        blocks.c.id.label("block_id"),
        blocks.c.created_at,
        *(column.label(f"user_{column.name}") for column in PUBLIC_USER_COLUMNS),
    ).join(
        users,
        and_(users.c.project_id == blocks.c.project_id, users.c.id == blocks.c.blocked_id),
    )
    return await read_page(connection, query, mine, blocks.c.created_at, blocks.c.id, listing)
