"""Refresh-token records: families, rotation and revocation, as conditional statements."""

import uuid
from datetime import datetime

from sqlalchemy import RowMapping, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from mutuals.kit.db.rows import matching, one_or_none
from mutuals.models import refresh_tokens


async def insert_token(
    connection: AsyncConnection,
    project_id: uuid.UUID,
    token_id: uuid.UUID,
    family_id: uuid.UUID,
    user_id: uuid.UUID,
    parent_id: uuid.UUID | None,
    now: datetime,
    expires_at: datetime,
) -> None:
    await connection.execute(
        insert(refresh_tokens).values(
            project_id=project_id,
            id=token_id,
            family_id=family_id,
            user_id=user_id,
            parent_id=parent_id,
            created_at=now,
            expires_at=expires_at,
        )
    )


async def claim_rotation(
    connection: AsyncConnection,
    project_id: uuid.UUID,
    token_id: uuid.UUID,
    successor_id: uuid.UUID,
    now: datetime,
) -> RowMapping | None:
    """Marks the token rotated if it is live; only one concurrent caller gets the row."""
    return await one_or_none(
        connection,
        update(refresh_tokens)
        .where(
            matching(refresh_tokens, project_id=project_id, id=token_id),
            refresh_tokens.c.rotated_at.is_(None),
            refresh_tokens.c.revoked_at.is_(None),
            refresh_tokens.c.expires_at > now,
        )
        .values(rotated_at=now, successor_id=successor_id)
        .returning(refresh_tokens.c.family_id, refresh_tokens.c.user_id),
    )


async def find_token(
    connection: AsyncConnection, project_id: uuid.UUID, token_id: uuid.UUID
) -> RowMapping | None:
    its = matching(refresh_tokens, project_id=project_id, id=token_id)
    return await one_or_none(connection, select(refresh_tokens).where(its))


async def revoke_family(
    connection: AsyncConnection, project_id: uuid.UUID, family_id: uuid.UUID, now: datetime
) -> None:
    await connection.execute(
        update(refresh_tokens)
        .where(
            matching(refresh_tokens, project_id=project_id, family_id=family_id),
            refresh_tokens.c.revoked_at.is_(None),
        )
        .values(revoked_at=now)
    )
