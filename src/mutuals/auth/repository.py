"""The queries of the auth feature. Each one starts from the project id."""

import uuid

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection

from mutuals.kit.db.rows import matching
from mutuals.models import users


async def user_exists(
    connection: AsyncConnection, project_id: uuid.UUID, user_id: uuid.UUID
) -> bool:
    its_id = matching(users, project_id=project_id, id=user_id)
    return await connection.scalar(select(users.c.id).where(its_id)) is not None
