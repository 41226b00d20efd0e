"""The twelve endpoints of API.md §6. Parsing and wiring only; rules live in service.py."""

from typing import Annotated, Any

from fastapi import APIRouter, Request

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
from mutuals.kit.db.request import Transaction, reads_from_replica
from mutuals.kit.errors import AppError, InvalidBody, InvalidJson, documented
from mutuals.kit.http.responses import Count, JsonBody
from mutuals.kit.ids import IdPath
from mutuals.users.search import SearchFieldsParam, SearchParam, parse_search

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


def _add_list_routes(
    direction: Direction,
    prefix: str,
    subject: Any,
    listing_dependency: Any,
    errors: tuple[tuple[type[AppError], ...], tuple[type[AppError], ...]],
) -> None:
    """A user's followers or following and their count, or mine: followers and following
    differ only in which end of the follow they read, a user's and mine only in whose."""
    public = prefix != "/follows/"

    async def follows_of(
        of: Annotated[Subject, subject],
        connection: Transaction,
        listing: Annotated[Listing, listing_dependency],
        query: SearchParam = None,
        search_fields: SearchFieldsParam = None,
    ) -> JsonBody:
        search = parse_search(query, search_fields, InvalidQuery)
        return JsonBody(
            await service.list_follows(
                connection, of.project_id, of.user_id, direction, listing, search, of.viewer
            )
        )

    async def count_of(of: Annotated[Subject, subject], connection: Transaction) -> JsonBody:
        return JsonBody(
            await service.count_follows(connection, of.project_id, of.user_id, direction, of.viewer)
        )

    whose, shown, name = ("A user's", " (public)", "user") if public else ("My", "", "my")
    router.add_api_route(
        f"{prefix}{direction}",
        reads_from_replica(follows_of) if public else follows_of,
        methods=["GET"],
        name=f"{name}_{direction}",
        response_model=None,
        summary=f"{whose} {direction}, newest first{shown}",
        responses=documented(FollowPage, InvalidQuery, InvalidCursor, *errors[0], *errors[1]),
    )
    router.add_api_route(
        f"{prefix}{direction}-count",
        reads_from_replica(count_of) if public else count_of,
        methods=["GET"],
        name=f"{name}_{direction}_count",
        response_model=None,
        summary=f"{whose} {direction} count{shown}",
        responses=documented(Count, *errors[0], *errors[1]),
    )


LISTS: tuple[Direction, Direction] = ("followers", "following")
for listed in LISTS:
    _add_list_routes(
        listed,
        "/users/{userId}/",
        listed_user(InvalidUserId),
        listing(InvalidQuery, InvalidCursor),
        ((InvalidUserId, FollowUserNotFound), VISITOR_ACCESS_ERRORS),
    )
    _add_list_routes(
        listed,
        "/follows/",
        THE_CALLER,
        listing(InvalidQuery, InvalidCursor, owner=CurrentUser),
        ((), USER_ACCESS_ERRORS),
    )
