"""The rules of §7: blocking cuts two users off from each other, silently and at once."""

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import RowMapping
from sqlalchemy.ext.asyncio import AsyncConnection

from mutuals.auth.errors import CredentialRejectedError
from mutuals.blocks import repository
from mutuals.blocks.errors import BlockUserNotFound, InvalidUserId, SelfBlock, SelfCheck
from mutuals.blocks.schemas import block_body, block_item
from mutuals.connections import service as connections
from mutuals.follows import service as follows
from mutuals.kit import events
from mutuals.kit.cursors import Listing, listed
from mutuals.kit.ids import new_id, parse_id, parse_other
from mutuals.kit.timestamps import to_iso, utc_now
from mutuals.users.repository import lock_pair_reading_profiles


async def block(
    connection: AsyncConnection, project_id: uuid.UUID, blocker_id: uuid.UUID, target_raw: str
) -> tuple[dict[str, str], bool]:
    """The block, and whether it is new. Blocking again answers the existing block."""
    blocked_id = parse_other(target_raw, blocker_id, InvalidUserId, SelfBlock)
    profiles = await lock_pair_reading_profiles(connection, project_id, (blocker_id, blocked_id))
    if blocked_id not in profiles:
        raise BlockUserNotFound()
    if blocker_id not in profiles:
        raise CredentialRejectedError()
    # The pair lock, taken with the profiles before anything else is read: a follow or
    # request between the two waits for this block to commit and then sees it, or commits
    # first and is severed below.
    existing = await repository.find_block(connection, project_id, blocker_id, blocked_id)
    if existing is not None:
        return block_body(existing), False
    # Blocking someone who already blocks you is a block like any other (§7.1): answering
    # otherwise would disclose their block, and your wish must outlive their unblock.
    now = utc_now()
    created = await repository.insert_block(
        connection, project_id, new_id(), blocker_id, blocked_id, now
    )
    if created is None:  # pragma: no cover - the pair lock admits one block at a time
        raise BlockUserNotFound()
    # Every edge row first, then the counters: the order all changes take.
    severed_connection = await connections.detach_pair(
        connection, project_id, blocker_id, blocked_id
    )
    severed_follows = await follows.detach_pair(connection, project_id, blocker_id, blocked_id)
    await connections.forget_detached(connection, project_id, severed_connection, blocker_id)
    await follows.forget_detached(connection, project_id, severed_follows, blocker_id)
    events.record(
        connection, project_id, "block.created", {"block": block_body(created)}, blocker_id, now
    )
    return block_body(created), True


async def unblock(
    connection: AsyncConnection, project_id: uuid.UUID, blocker_id: uuid.UUID, target_raw: str
) -> None:
    """Always succeeds; nothing the block severed comes back. Only a block that existed
    is announced."""
    removed = await repository.delete_block(
        connection, project_id, blocker_id, parse_id(target_raw, InvalidUserId)
    )
    if removed is not None:
        events.record(
            connection,
            project_id,
            "block.deleted",
            {"block": block_body(removed)},
            blocker_id,
            utc_now(),
        )


async def block_status(
    connection: AsyncConnection, project_id: uuid.UUID, blocker_id: uuid.UUID, target_raw: str
) -> dict[str, Any]:
    """Only the caller's own block: whether the other user blocks the caller is never said."""
    blocked_id = parse_other(target_raw, blocker_id, InvalidUserId, SelfCheck)
    found = await repository.find_block(connection, project_id, blocker_id, blocked_id)
    if found is None:
        return {"blocked": False}
    return {"blocked": True, "blockId": str(found["id"]), "createdAt": to_iso(found["created_at"])}


async def list_blocks(
    connection: AsyncConnection, project_id: uuid.UUID, blocker_id: uuid.UUID, listing: Listing
) -> dict[str, Any]:
    rows, total = await repository.list_mine(connection, project_id, blocker_id, listing)
    return listed([block_item(row) for row in rows], rows, listing, total, _position)


def _position(row: RowMapping) -> tuple[datetime, uuid.UUID]:
    return row["created_at"], row["block_id"]
