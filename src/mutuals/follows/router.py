"""The twelve endpoints of API.md §6. Parsing and wiring only; rules live in service.py."""

from typing import Any

from fastapi import Request
from sqlalchemy.ext.asyncio import AsyncConnection

from mutuals.auth.access import (
    USER_ACCESS_ERRORS,
    VISITOR_ACCESS_ERRORS,
    CurrentUser,
    FollowChangeUser,
)
from mutuals.auth.endpoints import acting_on
from mutuals.auth.subjects import THE_CALLER, Subject, listed_user
from mutuals.config import Settings
from mutuals.follows import service
from mutuals.follows.errors import (
    AlreadyFollowing,
    FollowForbidden,
    FollowNotFound,
    FollowUserNotFound,
    InvalidCursor,
    InvalidFollowId,
    InvalidQuery,
    InvalidUserId,
    SelfCheck,
    SelfFollow,
)
from mutuals.follows.schemas import Direction, Follow, Following, FollowPage, NotFollowing
from mutuals.idempotency.route import IdempotentRoute
from mutuals.kit.cursors import Listing, listing
from mutuals.kit.db.request import Transaction
from mutuals.kit.errors import AppError, InvalidBody, InvalidJson, documented
from mutuals.kit.http.responses import Count, JsonBody
from mutuals.kit.http.routes import DeclaredRouter
from mutuals.kit.ids import IdPath
from mutuals.users.lists import add_user_count, add_user_list
from mutuals.users.search import Search

router = DeclaredRouter(tags=["follows"], route_class=IdempotentRoute)


@router.declare(
    "POST",
    "/users/{userId}/follow",
    "Follow a user",
    documented(
        Follow,
        InvalidUserId,
        SelfFollow,
        FollowUserNotFound,
        AlreadyFollowing,
        InvalidJson,
        InvalidBody,
        *USER_ACCESS_ERRORS,
        status=201,
    ),
    status=201,
)
async def follow(
    userId: IdPath,  # noqa: N803 - the Replyke path parameter name
    request: Request,
    caller: FollowChangeUser,
    connection: Transaction,
) -> JsonBody:
    settings: Settings = request.app.state.settings
    created = await service.follow(
        connection,
        caller.project_id,
        caller.user_id,
        userId,
        settings.follow_notification_window,
    )
    return JsonBody(created, status_code=201)


router.add(
    "GET",
    "/users/{userId}/follow",
    acting_on("follow_status", "userId", CurrentUser, service.follow_status),
    "Whether I follow a user",
    documented(Following | NotFollowing, InvalidUserId, SelfCheck, *USER_ACCESS_ERRORS),
)
router.add(
    "DELETE",
    "/users/{userId}/follow",
    acting_on("unfollow_user", "userId", FollowChangeUser, service.unfollow_user, status=204),
    "Unfollow a user",
    documented(None, InvalidUserId, FollowNotFound, *USER_ACCESS_ERRORS),
    status=204,
)
router.add(
    "DELETE",
    "/follows/{followId}",
    acting_on("unfollow_by_id", "followId", FollowChangeUser, service.unfollow_by_id, status=204),
    "Unfollow, by the follow's id (only its follower)",
    documented(None, InvalidFollowId, FollowNotFound, FollowForbidden, *USER_ACCESS_ERRORS),
    status=204,
)


def _add_list_routes(
    direction: Direction,
    prefix: str,
    subject: Any,
    listing_dependency: Any,
    errors: tuple[type[AppError], ...],
) -> None:
    """A user's followers or following and their count, or mine: followers and following
    differ only in which end of the follow they read, a user's and mine only in whose."""

    async def read_list(
        connection: AsyncConnection, of: Subject, listing: Listing, search: Search | None
    ) -> Any:
        return await service.list_follows(
            connection, of.project_id, of.user_id, direction, listing, search, of.viewer
        )

    async def read_count(connection: AsyncConnection, of: Subject) -> Any:
        return await service.count_follows(
            connection, of.project_id, of.user_id, direction, of.viewer
        )

    public = prefix != "/follows/"
    whose, shown, name = ("A user's", " (public)", "user") if public else ("My", "", "my")
    add_user_list(
        router,
        f"{prefix}{direction}",
        f"{name}_{direction}",
        f"{whose} {direction}, newest first{shown}",
        documented(FollowPage, InvalidQuery, InvalidCursor, *errors),
        subject=subject,
        listing_dependency=listing_dependency,
        invalid_query=InvalidQuery,
        read=read_list,
    )
    add_user_count(
        router,
        f"{prefix}{direction}-count",
        f"{name}_{direction}_count",
        f"{whose} {direction} count{shown}",
        documented(Count, *errors),
        subject=subject,
        read=read_count,
    )


LISTS: tuple[Direction, Direction] = ("followers", "following")
for listed in LISTS:
    _add_list_routes(
        listed,
        "/users/{userId}/",
        listed_user(InvalidUserId),
        listing(InvalidQuery, InvalidCursor),
        (InvalidUserId, FollowUserNotFound, *VISITOR_ACCESS_ERRORS),
    )
    _add_list_routes(
        listed,
        "/follows/",
        THE_CALLER,
        listing(InvalidQuery, InvalidCursor, owner=CurrentUser),
        USER_ACCESS_ERRORS,
    )
