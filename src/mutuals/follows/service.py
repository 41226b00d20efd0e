"""The rules of §6: who may follow whom, what a follow changes, what the lists show."""

import uuid
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from mutuals.auth.errors import CredentialRejectedError
from mutuals.follows import repository
from mutuals.follows.errors import (
    AlreadyFollowing,
    FollowForbidden,
    FollowNotFound,
    FollowUserNotFound,
    InvalidFollowId,
    InvalidUserId,
    SelfCheck,
    SelfFollow,
)
from mutuals.follows.schemas import Direction, follow_body, follow_item
from mutuals.kit import events
from mutuals.kit.cursors import CursorRequest, Listing, listed
from mutuals.kit.db.prepared import Row
from mutuals.kit.ids import new_id, parse_id, parse_other
from mutuals.kit.pagination import PageRequest
from mutuals.kit.timestamps import to_iso, utc_now
from mutuals.notifications.service import notify_new_follow
from mutuals.users.repository import lock_pair_reading_profiles
from mutuals.users.search import Search
from mutuals.visibility.filters import Viewer, blocked_between, visible_counter


async def follow(
    connection: AsyncConnection,
    project_id: uuid.UUID,
    follower_id: uuid.UUID,
    followed_raw: str,
    notification_window_seconds: float,
) -> dict[str, str]:
    followed_id = parse_other(followed_raw, follower_id, InvalidUserId, SelfFollow)
    profiles = await lock_pair_reading_profiles(connection, project_id, (follower_id, followed_id))
    if followed_id not in profiles:
        raise FollowUserNotFound()
    if follower_id not in profiles:
        raise CredentialRejectedError()
    now = utc_now()
    created = await repository.insert_follow(
        connection, project_id, new_id(), follower_id, followed_id, now
    )
    if created is None:
        # A block between the two, either way, makes the other user not exist (§7.5); the
        # insert checked it, and the pair lock, taken with the profiles, orders that check
        # against a block of the same pair. Only a refusal asks why.
        if await blocked_between(connection, project_id, follower_id, followed_id):
            raise FollowUserNotFound()
        raise AlreadyFollowing()
    await repository.adjust_follow_counts(connection, project_id, follower_id, followed_id, +1)
    _record(connection, project_id, "follow.created", created, follower_id)
    not_since = now - timedelta(seconds=notification_window_seconds)
    if await repository.claim_notice(
        connection, project_id, follower_id, followed_id, now, not_since
    ):
        await notify_new_follow(connection, project_id, followed_id, profiles[follower_id], now)
    return follow_body(created)


async def follow_status(
    connection: AsyncConnection, project_id: uuid.UUID, user_id: uuid.UUID, other_raw: str
) -> dict[str, Any]:
    other_id = parse_other(other_raw, user_id, InvalidUserId, SelfCheck)
    found = await repository.find_follow(connection, project_id, user_id, other_id)
    if found is None:
        return {"isFollowing": False}
    return {
        "isFollowing": True,
        "followId": str(found["id"]),
        "followedAt": to_iso(found["created_at"]),
    }


async def unfollow_user(
    connection: AsyncConnection, project_id: uuid.UUID, user_id: uuid.UUID, other_raw: str
) -> None:
    other_id = parse_id(other_raw, InvalidUserId)
    removed = await repository.delete_follow(connection, project_id, user_id, other_id)
    if removed is None:
        raise FollowNotFound()
    await repository.adjust_follow_counts(connection, project_id, user_id, other_id, -1)
    _record(connection, project_id, "follow.deleted", removed, user_id)


async def unfollow_by_id(
    connection: AsyncConnection, project_id: uuid.UUID, user_id: uuid.UUID, follow_raw: str
) -> None:
    follow_id = parse_id(follow_raw, InvalidFollowId)
    removed = await repository.delete_follow_by_id(connection, project_id, follow_id, user_id)
    if removed is None:
        # Read only to explain the refusal; the DELETE above already decided.
        if await repository.follow_exists(connection, project_id, follow_id):
            raise FollowForbidden()
        raise FollowNotFound()
    await repository.adjust_follow_counts(
        connection, project_id, user_id, removed["followed_id"], -1
    )
    _record(connection, project_id, "follow.deleted", removed, user_id)


def _record(
    connection: AsyncConnection,
    project_id: uuid.UUID,
    event_type: events.EventType,
    follow_row: Row,
    actor_id: uuid.UUID,
    *,
    reason: str | None = None,
) -> None:
    events.record(
        connection,
        project_id,
        event_type,
        {"follow": follow_body(follow_row)},
        actor_id,
        utc_now(),
        reason=reason,
    )


async def list_follows(
    connection: AsyncConnection,
    project_id: uuid.UUID,
    user_id: uuid.UUID,
    direction: Direction,
    listing: Listing,
    search: Search | None,
    viewer: Viewer,
) -> dict[str, Any]:
    total: int | None = None
    if isinstance(listing, PageRequest):
        total = await _visible_count(connection, project_id, user_id, direction, viewer)
        if search is not None:
            total = await repository.count_matching(
                connection, project_id, user_id, direction, search, viewer
            )
    else:
        await _require_visible(connection, project_id, user_id, direction, viewer)
    rows: list[Row] = []
    if isinstance(listing, CursorRequest) or listing.offset < (total or 0):
        rows = await repository.list_page(
            connection, project_id, user_id, direction, listing, search, viewer
        )
    return listed([follow_item(row) for row in rows], rows, listing, total, _position)


def _position(row: Row) -> tuple[datetime, uuid.UUID]:
    return row["followed_at"], row["follow_id"]


async def count_follows(
    connection: AsyncConnection,
    project_id: uuid.UUID,
    user_id: uuid.UUID,
    direction: Direction,
    viewer: Viewer,
) -> dict[str, int]:
    return {"count": await _visible_count(connection, project_id, user_id, direction, viewer)}


async def _visible_count(
    connection: AsyncConnection,
    project_id: uuid.UUID,
    user_id: uuid.UUID,
    direction: Direction,
    viewer: Viewer,
) -> int:
    """The user's followers (or followed users) the viewer may see; 404 for a user who
    does not exist, or who blocks the viewer (the same thing, as far as the viewer can tell)."""
    total = await _require_visible(connection, project_id, user_id, direction, viewer)
    hidden = await repository.count_hidden(connection, project_id, user_id, direction, viewer)
    return total - hidden


async def _require_visible(
    connection: AsyncConnection,
    project_id: uuid.UUID,
    user_id: uuid.UUID,
    direction: Direction,
    viewer: Viewer,
) -> int:
    """The user's follow counter; 404 for a user who does not exist for the viewer."""
    counter = repository.COUNTERS[direction]
    total = await visible_counter(connection, project_id, user_id, viewer, counter)
    if total is None:
        raise FollowUserNotFound()
    return total


async def detach_pair(
    connection: AsyncConnection, project_id: uuid.UUID, a: uuid.UUID, b: uuid.UUID
) -> list[Row]:
    """Deletes the follows between two users, both ways; `forget_detached` then accounts
    for them. Two steps, so a block deletes every edge row before it touches any counter
    row: the order every other change takes too, which keeps them free of deadlocks."""
    return await repository.delete_between(connection, project_id, a, b)


async def forget_detached(
    connection: AsyncConnection,
    project_id: uuid.UUID,
    removed: list[Row],
    blocker_id: uuid.UUID,
) -> None:
    for row in removed:
        await repository.adjust_follow_counts(
            connection, project_id, row["follower_id"], row["followed_id"], -1
        )
        _record(connection, project_id, "follow.deleted", row, blocker_id, reason="block")
