"""Service keys: a project's backend credential. Shown once, stored as a SHA-256 hash."""

import hashlib
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import insert, or_, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from mutuals.kit.db.rows import matching
from mutuals.kit.ids import new_id
from mutuals.kit.timestamps import to_iso, to_iso_or_none, utc_now
from mutuals.models import service_keys

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


# How stale a key's `last_used_at` may get: writing it on every request would add a write
# (and a row lock held to commit) to every service-key read.
LAST_USED_PRECISION = timedelta(minutes=1)


@dataclass(frozen=True)
class LiveServiceKey:
    id: uuid.UUID
    last_used_at: datetime | None

    def use_unrecorded(self, now: datetime) -> bool:
        """Whether a use now should be written (at most once a minute per key)."""
        return self.last_used_at is None or now - self.last_used_at >= LAST_USED_PRECISION


async def find_live_service_key(
    connection: AsyncConnection, project_id: uuid.UUID, key: str
) -> LiveServiceKey | None:
    found = (
        await connection.execute(
            select(service_keys.c.id, service_keys.c.last_used_at).where(
                service_keys.c.project_id == project_id,
                service_keys.c.key_hash == hash_service_key(key),
                service_keys.c.revoked_at.is_(None),
            )
        )
    ).first()
    return None if found is None else LiveServiceKey(found.id, found.last_used_at)


async def record_service_key_use(
    connection: AsyncConnection, project_id: uuid.UUID, key_id: uuid.UUID, now: datetime
) -> None:
    """Conditional, so of several requests that saw the same stale value one writes."""
    await connection.execute(
        update(service_keys)
        .where(
            matching(service_keys, project_id=project_id, id=key_id),
            or_(
                service_keys.c.last_used_at.is_(None),
                service_keys.c.last_used_at < now - LAST_USED_PRECISION,
            ),
        )
        .values(last_used_at=now)
    )


async def list_service_keys(
    connection: AsyncConnection, project_id: uuid.UUID
) -> list[dict[str, Any]]:
    """Every key of the project, oldest first: what it is for and when it was used, never
    the key (only its hash is stored)."""
    rows = await connection.execute(
        select(
            service_keys.c.id,
            service_keys.c.label,
            service_keys.c.created_at,
            service_keys.c.last_used_at,
            service_keys.c.revoked_at,
        )
        .where(service_keys.c.project_id == project_id)
        .order_by(service_keys.c.created_at, service_keys.c.id)
    )
    return [
        {
            "id": str(row.id),
            "label": row.label,
            "createdAt": to_iso(row.created_at),
            "lastUsedAt": to_iso_or_none(row.last_used_at),
            "revokedAt": to_iso_or_none(row.revoked_at),
        }
        for row in rows
    ]


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
