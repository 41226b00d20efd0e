"""The twelve endpoints of API.md §6. Parsing and wiring only; rules live in service.py."""

from typing import Annotated, Any

from fastapi import APIRouter, Request

from mutuals.auth.access import (
    USER_ACCESS_ERRORS,
    VISITOR_ACCESS_ERRORS,
    CurrentUser,
    FollowChangeUser,
    PublicVisitor,
)
from mutuals.auth.endpoints import acting_on
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
from mutuals.kit.db.request import Transaction, reads_from_replica
from mutuals.kit.errors import InvalidBody, InvalidJson, documented
from mutuals.kit.http.responses import Count, JsonBody
from mutuals.kit.ids import IdPath, parse_id
from mutuals.users.search import SearchFieldsParam, SearchParam, parse_search
from mutuals.visibility.filters import Viewer

router = APIRouter(tags=["follows"], route_class=IdempotentRoute)
FollowListing = Annotated[Listing, listing(InvalidQuery, InvalidCursor)]
MyFollowListing = Annotated[Listing, listing(InvalidQuery, InvalidCursor, owner=CurrentUser)]
NO_CONTENT: dict[int | str, dict[str, Any]] = {204: {"description": "Done; no body"}}


@router.post(
    "/users/{userId}/follow",
    status_code=201,
    response_model=None,
    summary="Follow a user",
    responses=documented(
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


router.add_api_route(
    "/users/{userId}/follow",
    acting_on("follow_status", "userId", CurrentUser, service.follow_status),
    methods=["GET"],
    response_model=None,
    summary="Whether I follow a user",
    responses=documented(Following | NotFollowing, InvalidUserId, SelfCheck, *USER_ACCESS_ERRORS),
)
router.add_api_route(
    "/users/{userId}/follow",
    acting_on("unfollow_user", "userId", FollowChangeUser, service.unfollow_user, status=204),
    methods=["DELETE"],
    status_code=204,
    response_model=None,
    summary="Unfollow a user",
    responses={
        **NO_CONTENT,
        **documented(None, InvalidUserId, FollowNotFound, *USER_ACCESS_ERRORS),
    },
)
router.add_api_route(
    "/follows/{followId}",
    acting_on("unfollow_by_id", "followId", FollowChangeUser, service.unfollow_by_id, status=204),
    methods=["DELETE"],
    status_code=204,
    response_model=None,
    summary="Unfollow, by the follow's id (only its follower)",
    responses={
        **NO_CONTENT,
        **documented(None, InvalidFollowId, FollowNotFound, FollowForbidden, *USER_ACCESS_ERRORS),
    },
)


def _add_public_routes(direction: Direction) -> None:
    """A user's followers and following differ only in which end of the follow they read."""

    @reads_from_replica
    async def public_list(
        userId: IdPath,  # noqa: N803 - the Replyke path parameter name
        visitor: PublicVisitor,
        connection: Transaction,
        listing: FollowListing,
        query: SearchParam = None,
        search_fields: SearchFieldsParam = None,
    ) -> JsonBody:
        user_id = parse_id(userId, InvalidUserId)
        search = parse_search(query, search_fields, InvalidQuery)
        return JsonBody(
            await service.list_follows(
                connection,
                visitor.project_id,
                user_id,
                direction,
                listing,
                search,
                Viewer(visitor.user_id),
            )
        )

    @reads_from_replica
    async def public_count(
        userId: IdPath,  # noqa: N803 - the Replyke path parameter name
        visitor: PublicVisitor,
        connection: Transaction,
    ) -> JsonBody:
        user_id = parse_id(userId, InvalidUserId)
        return JsonBody(
            await service.count_follows(
                connection, visitor.project_id, user_id, direction, Viewer(visitor.user_id)
            )
        )

    errors = (InvalidUserId, FollowUserNotFound, *VISITOR_ACCESS_ERRORS)
    router.add_api_route(
        f"/users/{{userId}}/{direction}",
        public_list,
        methods=["GET"],
        name=f"user_{direction}",
        response_model=None,
        summary=f"A user's {direction}, newest first (public)",
        responses=documented(FollowPage, InvalidQuery, InvalidCursor, *errors),
    )
    router.add_api_route(
        f"/users/{{userId}}/{direction}-count",
        public_count,
        methods=["GET"],
        name=f"user_{direction}_count",
        response_model=None,
        summary=f"A user's {direction} count (public)",
        responses=documented(Count, *errors),
    )


def _add_my_routes(direction: Direction) -> None:
    """My followers and following: as the public routes, for the caller."""

    async def my_list(
        caller: CurrentUser,
        connection: Transaction,
        listing: MyFollowListing,
        query: SearchParam = None,
        search_fields: SearchFieldsParam = None,
    ) -> JsonBody:
        search = parse_search(query, search_fields, InvalidQuery)
        return JsonBody(
            await service.list_follows(
                connection,
                caller.project_id,
                caller.user_id,
                direction,
                listing,
                search,
                Viewer(caller.user_id),
            )
        )

    async def my_count(caller: CurrentUser, connection: Transaction) -> JsonBody:
        return JsonBody(
            await service.count_follows(
                connection, caller.project_id, caller.user_id, direction, Viewer(caller.user_id)
            )
        )

    router.add_api_route(
        f"/follows/{direction}",
        my_list,
        methods=["GET"],
        name=f"my_{direction}",
        response_model=None,
        summary=f"My {direction}, newest first",
        responses=documented(FollowPage, InvalidQuery, InvalidCursor, *USER_ACCESS_ERRORS),
    )
    router.add_api_route(
        f"/follows/{direction}-count",
        my_count,
        methods=["GET"],
        name=f"my_{direction}_count",
        response_model=None,
        summary=f"My {direction} count",
        responses=documented(Count, *USER_ACCESS_ERRORS),
    )


LISTS: tuple[Direction, Direction] = ("followers", "following")
for listed in LISTS:
    _add_public_routes(listed)
    _add_my_routes(listed)
