"""The twelve endpoints of API.md §2. Parsing and wiring only; rules live in service.py."""

import uuid
from typing import Annotated, Any, Literal

from fastapi import APIRouter
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
from mutuals.kit.db.request import Transaction, reads_from_replica
from mutuals.kit.errors import AppError, InvalidBody, InvalidJson, documented
from mutuals.kit.http.responses import Count, JsonBody
from mutuals.kit.ids import IdPath
from mutuals.users.search import SearchFieldsParam, SearchParam, parse_search

router = APIRouter(tags=["connections"], route_class=IdempotentRoute)
ConnectionListing = Annotated[Listing, listing(InvalidQuery, InvalidCursor)]
MyConnectionListing = Annotated[Listing, listing(InvalidQuery, InvalidCursor, owner=CurrentUser)]


@router.post(
    "/users/{userId}/connection",
    status_code=201,
    response_model=None,
    summary="Request a connection",
    responses=documented(
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


router.add_api_route(
    "/users/{userId}/connection",
    acting_on("connection_status", "userId", CurrentUser, service.status_with),
    methods=["GET"],
    response_model=None,
    summary="Connection status between me and a user",
    responses=documented(ConnectionStatus, InvalidUserId, SelfCheck, *USER_ACCESS_ERRORS),
)


router.add_api_route(
    "/users/{userId}/connection",
    acting_on("remove_with_user", "userId", ConnectionChangeUser, service.remove_with_user),
    methods=["DELETE"],
    response_model=None,
    summary="Withdraw, decline or disconnect, depending on the record with that user",
    responses=documented(
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

    async def connections_of(
        of: Annotated[Subject, subject],
        connection: Transaction,
        listing: Annotated[Listing, listing_dependency],
        query: SearchParam = None,
        search_fields: SearchFieldsParam = None,
    ) -> JsonBody:
        search = parse_search(query, search_fields, InvalidQuery)
        return JsonBody(
            await service.list_connections(
                connection, of.project_id, of.user_id, listing, search, of.viewer
            )
        )

    async def count_of(of: Annotated[Subject, subject], connection: Transaction) -> JsonBody:
        return JsonBody(
            await service.count_connections(connection, of.project_id, of.user_id, of.viewer)
        )

    shown = " (public)" if public else ""
    router.add_api_route(
        f"{prefix}connections",
        reads_from_replica(connections_of) if public else connections_of,
        methods=["GET"],
        name="user_connections" if public else "my_connections",
        response_model=None,
        summary=f"{whose} connections, newest first{shown}",
        responses=documented(ConnectionPage, *errors[0], InvalidQuery, InvalidCursor, *errors[1]),
    )
    router.add_api_route(
        f"{prefix}connections-count" if public else f"{prefix}connections/count",
        reads_from_replica(count_of) if public else count_of,
        methods=["GET"],
        name="user_connection_count" if public else "my_connection_count",
        response_model=None,
        summary=f"{whose} connection count{shown}",
        responses=documented(Count, *errors[0], *errors[1]),
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

    router.add_api_route(
        f"/connections/pending/{kind}",
        pending,
        methods=["GET"],
        name=f"pending_{kind}",
        response_model=None,
        summary=f"Pending requests I {kind}, newest first",
        responses=documented(PendingPage, InvalidQuery, InvalidCursor, *USER_ACCESS_ERRORS),
    )


_add_pending_route("sent")
_add_pending_route("received")


def _add_respond_route(verb: str, decision: Literal["accepted", "declined"]) -> None:
    """Accept and decline differ only in the decision they record."""

    async def respond(
        connection: AsyncConnection, project_id: uuid.UUID, user_id: uuid.UUID, raw: str
    ) -> dict[str, Any]:
        return await service.respond(connection, project_id, user_id, raw, decision)

    router.add_api_route(
        f"/connections/{{connectionId}}/{verb}",
        acting_on("respond", "connectionId", ConnectionChangeUser, respond),
        methods=["PATCH"],
        name=verb,
        response_model=None,
        summary=f"{verb.title()} a request I received",
        responses=documented(
            Responded,
            InvalidConnectionId,
            ConnectionNotFound,
            ConnectionForbidden,
            *USER_ACCESS_ERRORS,
        ),
    )


_add_respond_route("accept", "accepted")
_add_respond_route("decline", "declined")


router.add_api_route(
    "/connections/{connectionId}",
    acting_on("remove_by_id", "connectionId", ConnectionChangeUser, service.remove_by_id),
    methods=["DELETE"],
    response_model=None,
    summary="Withdraw my pending request or remove a connection, by id",
    responses=documented(
        Removed, InvalidConnectionId, ConnectionNotFound, ConnectionForbidden, *USER_ACCESS_ERRORS
    ),
)
