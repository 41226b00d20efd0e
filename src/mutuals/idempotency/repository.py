"""Every query of idempotency keys. Each one starts from the project id (but the purge)."""

import uuid
from datetime import datetime

from sqlalchemy import RowMapping, delete, select, tuple_
from sqlalchemy.ext.asyncio import AsyncConnection

from mutuals.kit.db.database import dialect_insert
from mutuals.kit.db.rows import one_or_none
from mutuals.models import idempotency_keys

KEY_COLUMNS = ("project_id", "caller", "key")


async def find(
    connection: AsyncConnection,
    project_id: uuid.UUID,
    caller: str,
    key: str,
    not_before: datetime,
) -> RowMapping | None:
    return await one_or_none(
        connection,
        select(idempotency_keys).where(
            idempotency_keys.c.project_id == project_id,
            idempotency_keys.c.caller == caller,
            idempotency_keys.c.key == key,
            idempotency_keys.c.created_at >= not_before,
        ),
    )


async def remember(
    connection: AsyncConnection,
    values: dict[str, object],
    not_before: datetime,
) -> None:
    """Stores a first response, in one statement. An expired row under the same key is
    replaced; a live one (a racing twin that committed first) is left as it is."""
    statement = dialect_insert(connection, idempotency_keys).values(values)
    replaced = {name: statement.excluded[name] for name in values if name not in KEY_COLUMNS}
    await connection.execute(
        statement.on_conflict_do_update(
            index_elements=list(KEY_COLUMNS),
            set_=replaced,
            where=idempotency_keys.c.created_at < not_before,
        )
    )


async def purge_expired(connection: AsyncConnection, not_before: datetime, batch: int) -> int:
    """Deletes up to `batch` expired rows, oldest first; returns how many went."""
    oldest = (
        select(idempotency_keys.c.project_id, idempotency_keys.c.caller, idempotency_keys.c.key)
        .where(idempotency_keys.c.created_at < not_before)
        .order_by(idempotency_keys.c.created_at)
        .limit(batch)
    )
    key_columns = tuple_(
        idempotency_keys.c.project_id, idempotency_keys.c.caller, idempotency_keys.c.key
    )
    result = await connection.execute(delete(idempotency_keys).where(key_columns.in_(oldest)))
    return result.rowcount or 0
