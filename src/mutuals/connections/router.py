"""The twelve endpoints of API.md §2. Parsing and wiring only; rules live in service.py."""

import uuid
from typing import Annotated, Any, Literal

from sqlalchemy.ext.asyncio import AsyncConnection

from mutuals.auth.access import (
    USER_ACCESS_ERRORS,
    VISITOR_ACCESS_ERRORS,
    ConnectionChangeUser,
    ConnectionRequestUser,
    CurrentUser,
)
from mutuals.auth.endpoints import acting_on
from mutuals.auth.subjects import THE_CALLER, Subject, listed_user
from mutuals.connections import service
from mutuals.connections.errors import (
    AlreadyConnected,
    ConnectionForbidden,
    ConnectionNotFound,
    ConnectionUserNotFound,
    InvalidConnectionId,
    InvalidCursor,
    InvalidMessage,
    InvalidQuery,
    InvalidReceiverId,
    InvalidUserId,
    RequestDeclined,
    RequestPending,
    SelfCheck,
    SelfDisconnect,
    SelfRequest,
)
from mutuals.connections.schemas import (
    ConnectionPage,
    ConnectionRequestBody,
    ConnectionStatus,
    Created,
    DeclinedByUser,
    PendingPage,
    Removed,
    RemovedByUser,
    Responded,
)
from mutuals.idempotency.route import IdempotentRoute
from mutuals.kit.cursors import Listing, listing
from mutuals.kit.db.request import Transaction
from mutuals.kit.errors import AppError, InvalidBody, InvalidJson, documented
from mutuals.kit.http.responses import Count, JsonBody
from mutuals.kit.http.routes import DeclaredRouter
from mutuals.kit.ids import IdPath
from mutuals.users.lists import add_user_count, add_user_list
from mutuals.users.search import Search

router = DeclaredRouter(tags=["connections"], route_class=IdempotentRoute)
ConnectionListing = Annotated[Listing, listing(InvalidQuery, InvalidCursor)]
MyConnectionListing = Annotated[Listing, listing(InvalidQuery, InvalidCursor, owner=CurrentUser)]


@router.declare(
    "POST",
    "/users/{userId}/connection",
    "Request a connection",
    documented(
        Created,
        InvalidReceiverId,
        InvalidMessage,
        SelfRequest,
        InvalidJson,
        InvalidBody,
        ConnectionUserNotFound,
        RequestPending,
        AlreadyConnected,
        RequestDeclined,
        *USER_ACCESS_ERRORS,
        status=201,
    ),
    status=201,
)
async def request_connection(
    userId: IdPath,  # noqa: N803 - the Replyke path parameter name
    caller: ConnectionRequestUser,
    connection: Transaction,
    body: ConnectionRequestBody | None = None,
) -> JsonBody:
    message = body.message if body is not None else None
    return JsonBody(
        await service.request_connection(
            connection, caller.project_id, caller.user_id, userId, message
        ),
        status_code=201,
    )


router.add(
    "GET",
    "/users/{userId}/connection",
    acting_on("connection_status", "userId", CurrentUser, service.status_with),
    "Connection status between me and a user",
    documented(ConnectionStatus, InvalidUserId, SelfCheck, *USER_ACCESS_ERRORS),
)


router.add(
    "DELETE",
    "/users/{userId}/connection",
    acting_on("remove_with_user", "userId", ConnectionChangeUser, service.remove_with_user),
    "Withdraw, decline or disconnect, depending on the record with that user",
    documented(
        RemovedByUser | DeclinedByUser,
        InvalidUserId,
        SelfDisconnect,
        ConnectionNotFound,
        *USER_ACCESS_ERRORS,
    ),
)


def _add_list_routes(
    prefix: str,
    subject: Any,
    listing_dependency: Any,
    whose: str,
    errors: tuple[tuple[type[AppError], ...], tuple[type[AppError], ...]],
) -> None:
    """A user's connections and count, or mine: the same endpoints, for another subject."""
    public = whose != "My"

    async def read_list(
        connection: AsyncConnection, of: Subject, listing: Listing, search: Search | None
    ) -> Any:
        return await service.list_connections(
            connection, of.project_id, of.user_id, listing, search, of.viewer
        )

    async def read_count(connection: AsyncConnection, of: Subject) -> Any:
        return await service.count_connections(connection, of.project_id, of.user_id, of.viewer)

    shown, name = (" (public)", "user") if public else ("", "my")
    add_user_list(
        router,
        f"{prefix}connections",
        f"{name}_connections",
        f"{whose} connections, newest first{shown}",
        documented(ConnectionPage, *errors[0], InvalidQuery, InvalidCursor, *errors[1]),
        subject=subject,
        listing_dependency=listing_dependency,
        invalid_query=InvalidQuery,
        read=read_list,
    )
    add_user_count(
        router,
        f"{prefix}connections-count" if public else f"{prefix}connections/count",
        f"{name}_connection_count",
        f"{whose} connection count{shown}",
        documented(Count, *errors[0], *errors[1]),
        subject=subject,
        read=read_count,
    )


_add_list_routes(
    "/users/{userId}/",
    listed_user(InvalidUserId),
    listing(InvalidQuery, InvalidCursor),
    "A user's",
    ((InvalidUserId,), (ConnectionUserNotFound, *VISITOR_ACCESS_ERRORS)),
)
_add_list_routes(
    "/",
    THE_CALLER,
    listing(InvalidQuery, InvalidCursor, owner=CurrentUser),
    "My",
    ((), USER_ACCESS_ERRORS),
)


def _add_pending_route(kind: Literal["sent", "received"]) -> None:
    """The two pending lists differ only in which side of the request the caller is."""

    async def pending(
        caller: CurrentUser, connection: Transaction, listing: MyConnectionListing
    ) -> JsonBody:
        return JsonBody(
            await service.list_pending(connection, caller.project_id, caller.user_id, kind, listing)
        )

    router.add(
        "GET",
        f"/connections/pending/{kind}",
        pending,
        f"Pending requests I {kind}, newest first",
        documented(PendingPage, InvalidQuery, InvalidCursor, *USER_ACCESS_ERRORS),
        name=f"pending_{kind}",
    )


_add_pending_route("sent")
_add_pending_route("received")


def _add_respond_route(verb: str, decision: Literal["accepted", "declined"]) -> None:
    """Accept and decline differ only in the decision they record."""

    async def respond(
        connection: AsyncConnection, project_id: uuid.UUID, user_id: uuid.UUID, raw: str
    ) -> dict[str, Any]:
        return await service.respond(connection, project_id, user_id, raw, decision)

    router.add(
        "PATCH",
        f"/connections/{{connectionId}}/{verb}",
        acting_on("respond", "connectionId", ConnectionChangeUser, respond),
        f"{verb.title()} a request I received",
        documented(
            Responded,
            InvalidConnectionId,
            ConnectionNotFound,
            ConnectionForbidden,
            *USER_ACCESS_ERRORS,
        ),
        name=verb,
    )


_add_respond_route("accept", "accepted")
_add_respond_route("decline", "declined")


router.add(
    "DELETE",
    "/connections/{connectionId}",
    acting_on("remove_by_id", "connectionId", ConnectionChangeUser, service.remove_by_id),
    "Withdraw my pending request or remove a connection, by id",
    documented(
        Removed, InvalidConnectionId, ConnectionNotFound, ConnectionForbidden, *USER_ACCESS_ERRORS
    ),
)
