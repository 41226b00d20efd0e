"""Service keys: a project's backend credential. Shown once, stored as a SHA-256 hash."""

import hashlib
import secrets
import uuid

from sqlalchemy import insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from mutuals.ids import new_id
from mutuals.models import service_keys
from mutuals.timestamps import utc_now

KEY_PREFIX = "mut_sk_"


def hash_service_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def looks_like_service_key(credential: str) -> bool:
    return credential.startswith(KEY_PREFIX)


async def issue_service_key(connection: AsyncConnection, project_id: uuid.UUID, label: str) -> str:
    key = KEY_PREFIX + secrets.token_urlsafe(32)
    await connection.execute(
        insert(service_keys).values(
            project_id=project_id,
            id=new_id(),
            key_hash=hash_service_key(key),
            label=label,
            created_at=utc_now(),
        )
    )
    return key


async def is_live_service_key(connection: AsyncConnection, project_id: uuid.UUID, key: str) -> bool:
    found = await connection.scalar(
        select(service_keys.c.id).where(
            service_keys.c.project_id == project_id,
            service_keys.c.key_hash == hash_service_key(key),
            service_keys.c.revoked_at.is_(None),
        )
    )
    return found is not None


async def revoke_service_key(connection: AsyncConnection, project_id: uuid.UUID, key: str) -> bool:
    """True when a live key of this project was revoked; it stops working at once."""
    result = await connection.execute(
        update(service_keys)
        .where(
            service_keys.c.project_id == project_id,
            service_keys.c.key_hash == hash_service_key(key),
            service_keys.c.revoked_at.is_(None),
        )
        .values(revoked_at=utc_now())
        .returning(service_keys.c.id)
    )
    return result.first() is not None
