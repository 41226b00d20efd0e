from typing import Annotated

from fastapi import Response

from mutuals.auth.access import CurrentUser
from mutuals.auth.errors import ActingUserRequired, CredentialMissingError, CredentialRejectedError
from mutuals.idempotency.route import IdempotentRoute
from mutuals.kit.cursors import Listing, listing
from mutuals.kit.db.request import Transaction
from mutuals.kit.errors import documented, error_responses
from mutuals.kit.http.responses import JsonBody
from mutuals.kit.http.routes import DeclaredRouter
from mutuals.kit.ids import IdPath, parse_id
from mutuals.kit.ratelimit import RateLimitExceededError
from mutuals.notifications import service
from mutuals.notifications.errors import (
    InvalidNotificationCursor,
    InvalidNotificationParams,
    InvalidNotificationQuery,
    NotificationNotFound,
)
from mutuals.notifications.schemas import AppNotificationPage, MarkedAsRead
from mutuals.projects.errors import InvalidProjectId, ProjectNotFound
from mutuals.users.errors import UserNotFound

router = DeclaredRouter(
    prefix="/app-notifications", tags=["app notifications"], route_class=IdempotentRoute
)

COMMON_ERRORS = (
    InvalidProjectId,
    ActingUserRequired,
    CredentialMissingError,
    CredentialRejectedError,
    ProjectNotFound,
    UserNotFound,
    RateLimitExceededError,
)


@router.declare(
    "GET",
    "",
    "My notifications, newest first",
    documented(
        AppNotificationPage,
        InvalidNotificationQuery,
        InvalidNotificationCursor,
        *COMMON_ERRORS,
    ),
)
async def list_notifications(
    caller: CurrentUser,
    connection: Transaction,
    listing: Annotated[
        Listing,
        listing(
            InvalidNotificationQuery,
            InvalidNotificationCursor,
            owner=CurrentUser,
            default_limit=5,
            max_limit=50,
        ),
    ],
) -> JsonBody:
    return JsonBody(
        await service.list_notifications(connection, caller.project_id, caller.user_id, listing)
    )


@router.declare(
    "GET",
    "/count",
    "My unread notification count (a bare integer)",
    documented(int, *COMMON_ERRORS),
)
async def count_unread(caller: CurrentUser, connection: Transaction) -> JsonBody:
    return JsonBody(await service.unread_count(connection, caller.project_id, caller.user_id))


@router.declare(
    "PATCH",
    "/mark-all-as-read",
    "Mark all my notifications as read",
    documented(MarkedAsRead, *COMMON_ERRORS),
)
async def mark_all_as_read(caller: CurrentUser, connection: Transaction) -> JsonBody:
    marked = await service.mark_all_as_read(connection, caller.project_id, caller.user_id)
    return JsonBody({"markedAsRead": marked})


@router.declare(
    "PATCH",
    "/{notificationId}/mark-as-read",
    "Mark one of my notifications as read (empty body)",
    {
        **error_responses(InvalidNotificationParams, NotificationNotFound, *COMMON_ERRORS),
        200: {"description": "Marked as read; the body is empty"},
    },
    response_class=Response,
)
async def mark_as_read(
    notificationId: IdPath,  # noqa: N803 - the Replyke path parameter name
    caller: CurrentUser,
    connection: Transaction,
) -> Response:
    notification_id = parse_id(notificationId, InvalidNotificationParams)
    await service.mark_as_read(connection, caller.project_id, caller.user_id, notification_id)
    return Response(status_code=200)
