"""The deployment's token-signing secret.

MUTUALS_SECRET_KEY wins. Without it, a strong random secret is generated once and kept in
the database, beside the data it protects, so every worker process and every restart
signs with the same key.
"""

import logging
import secrets

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection

from mutuals.config import Settings
from mutuals.kit.db.database import insert_ignoring_conflicts
from mutuals.kit.timestamps import utc_now
from mutuals.models import instance_settings

logger = logging.getLogger("mutuals.auth")

SETTING_NAME = "token_signing_secret"


async def load_signing_secret(connection: AsyncConnection, settings: Settings) -> bytes:
    if settings.secret_key is not None:
        return settings.secret_key.get_secret_value().encode()
    stored = await connection.scalar(
        select(instance_settings.c.value).where(instance_settings.c.name == SETTING_NAME)
    )
    if stored is None:
        candidate = secrets.token_urlsafe(48)
        # Workers starting together each generate a candidate; the first insert wins and
        # all of them read the winner back.
        await connection.execute(
            insert_ignoring_conflicts(connection, instance_settings).values(
                name=SETTING_NAME, value=candidate, created_at=utc_now()
            )
        )
        stored = await connection.scalar(
            select(instance_settings.c.value).where(instance_settings.c.name == SETTING_NAME)
        )
        if stored == candidate:
            logger.warning(
                "MUTUALS_SECRET_KEY is not set: generated a signing secret and stored it "
                "in the database (table instance_settings)"
            )
    if stored is None:
        raise RuntimeError("could not store the token signing secret")
    return str(stored).encode()
