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
    PublicVisitor,
)
from mutuals.auth.endpoints import acting_on
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
from mutuals.kit.errors import InvalidBody, InvalidJson, documented
from mutuals.kit.http.responses import Count, JsonBody
from mutuals.kit.ids import IdPath, parse_id
from mutuals.users.search import SearchFieldsParam, SearchParam, parse_search
from mutuals.visibility.filters import Viewer

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


@router.get(
    "/users/{userId}/connections",
    response_model=None,
    summary="A user's connections, newest first (public)",
    responses=documented(
        ConnectionPage,
        InvalidUserId,
        InvalidQuery,
        InvalidCursor,
        ConnectionUserNotFound,
        *VISITOR_ACCESS_ERRORS,
    ),
)
@reads_from_replica
async def user_connections(
    userId: IdPath,  # noqa: N803 - the Replyke path parameter name
    visitor: PublicVisitor,
    connection: Transaction,
    listing: ConnectionListing,
    query: SearchParam = None,
    search_fields: SearchFieldsParam = None,
) -> JsonBody:
    user_id = parse_id(userId, InvalidUserId)
    search = parse_search(query, search_fields, InvalidQuery)
    return JsonBody(
        await service.list_connections(
            connection, visitor.project_id, user_id, listing, search, Viewer(visitor.user_id)
        )
    )


@router.get(
    "/users/{userId}/connections-count",
    response_model=None,
    summary="A user's connection count (public)",
    responses=documented(Count, InvalidUserId, ConnectionUserNotFound, *VISITOR_ACCESS_ERRORS),
)
@reads_from_replica
async def user_connection_count(
    userId: IdPath,  # noqa: N803 - the Replyke path parameter name
    visitor: PublicVisitor,
    connection: Transaction,
) -> JsonBody:
    user_id = parse_id(userId, InvalidUserId)
    return JsonBody(
        await service.count_connections(
            connection, visitor.project_id, user_id, Viewer(visitor.user_id)
        )
    )


@router.get(
    "/connections",
    response_model=None,
    summary="My connections, newest first",
    responses=documented(ConnectionPage, InvalidQuery, InvalidCursor, *USER_ACCESS_ERRORS),
)
async def my_connections(
    caller: CurrentUser,
    connection: Transaction,
    listing: MyConnectionListing,
    query: SearchParam = None,
    search_fields: SearchFieldsParam = None,
) -> JsonBody:
    search = parse_search(query, search_fields, InvalidQuery)
    return JsonBody(
        await service.list_connections(
            connection,
            caller.project_id,
            caller.user_id,
            listing,
            search,
            Viewer(caller.user_id),
        )
    )


@router.get(
    "/connections/count",
    response_model=None,
    summary="My connection count",
    responses=documented(Count, *USER_ACCESS_ERRORS),
)
async def my_connection_count(caller: CurrentUser, connection: Transaction) -> JsonBody:
    return JsonBody(
        await service.count_connections(
            connection, caller.project_id, caller.user_id, Viewer(caller.user_id)
        )
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
