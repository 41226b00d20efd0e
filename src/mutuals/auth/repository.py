"""The queries of the auth feature. Each one starts from the project id."""

import uuid

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection

from mutuals.models import users


async def user_exists(
    connection: AsyncConnection, project_id: uuid.UUID, user_id: uuid.UUID
) -> bool:
    found = await connection.scalar(
        select(users.c.id).where(users.c.project_id == project_id, users.c.id == user_id)
    )
    return found is not None
