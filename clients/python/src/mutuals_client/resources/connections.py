"""Connections (API.md §2): request, respond, remove, and the lists and counts."""

from typing import Any, Literal

from mutuals_client._core import Call, ListCall, Mode, Resource, endpoint, listing
from mutuals_client.models import (
    Connection,
    ConnectionRemoval,
    ConnectionResponse,
    ConnectionStatus,
    PendingConnection,
    PendingRequest,
    decode,
)

SearchField = Literal["username", "name"]


def count(body: Any) -> int:
    return int(body["count"])


def search(query: str | None, search_fields: SearchField | None) -> dict[str, Any]:
    """The list filters of §2.4, shared by the connection and follow lists."""
    return {"query": query, "searchFields": search_fields}


def _connection(body: Any) -> Connection:
    return decode(Connection, body)


def _pending(body: Any) -> PendingRequest:
    return decode(PendingRequest, body)


def _response(body: Any) -> ConnectionResponse:
    return decode(ConnectionResponse, body)


def _removal(body: Any) -> ConnectionRemoval:
    return decode(ConnectionRemoval, body)


class Connections(Resource[Mode]):
    @endpoint("POST", "/users/{userId}/connection")
    def request(
        self, user_id: str, *, message: str | None = None, idempotency_key: str | None = None
    ) -> Call[PendingConnection]:
        """Asks `user_id` to connect; they get a `connection-request` notification."""
        body = {"message": message} if message is not None else {}
        return Call(
            lambda raw: decode(PendingConnection, raw),
            path={"userId": user_id},
            body=body,
            idempotency_key=idempotency_key,
        )

    @endpoint("GET", "/users/{userId}/connection")
    def status(self, user_id: str) -> Call[ConnectionStatus]:
        return Call(lambda raw: decode(ConnectionStatus, raw), path={"userId": user_id})

    @endpoint("DELETE", "/users/{userId}/connection")
    def remove(
        self, user_id: str, *, idempotency_key: str | None = None
    ) -> Call[ConnectionRemoval]:
        """Withdraws, declines or disconnects, whichever the record with `user_id` calls for."""
        return Call(_removal, path={"userId": user_id}, idempotency_key=idempotency_key)

    @endpoint("DELETE", "/connections/{connectionId}")
    def remove_by_id(
        self, connection_id: str, *, idempotency_key: str | None = None
    ) -> Call[ConnectionRemoval]:
        """Withdraws a request the caller sent, or ends an accepted connection."""
        return Call(_removal, path={"connectionId": connection_id}, idempotency_key=idempotency_key)

    @endpoint("PATCH", "/connections/{connectionId}/accept")
    def accept(
        self, connection_id: str, *, idempotency_key: str | None = None
    ) -> Call[ConnectionResponse]:
        return Call(
            _response, path={"connectionId": connection_id}, idempotency_key=idempotency_key
        )

    @endpoint("PATCH", "/connections/{connectionId}/decline")
    def decline(
        self, connection_id: str, *, idempotency_key: str | None = None
    ) -> Call[ConnectionResponse]:
        return Call(
            _response, path={"connectionId": connection_id}, idempotency_key=idempotency_key
        )

    @listing("/users/{userId}/connections", "public")
    def of_user(
        self,
        user_id: str,
        *,
        query: str | None = None,
        search_fields: SearchField | None = None,
        page_size: int | None = None,
    ) -> ListCall[Connection]:
        """A user's accepted connections, newest first."""
        return ListCall(_connection, {"userId": user_id}, search(query, search_fields), page_size)

    @endpoint("GET", "/users/{userId}/connections-count", "public")
    def count_of_user(self, user_id: str) -> Call[int]:
        return Call(count, path={"userId": user_id})

    @listing("/connections")
    def mine(
        self,
        *,
        query: str | None = None,
        search_fields: SearchField | None = None,
        page_size: int | None = None,
    ) -> ListCall[Connection]:
        """The caller's accepted connections, newest first."""
        return ListCall(_connection, {}, search(query, search_fields), page_size)

    @endpoint("GET", "/connections/count")
    def my_count(self) -> Call[int]:
        return Call(count)

    @listing("/connections/pending/sent")
    def pending_sent(self, *, page_size: int | None = None) -> ListCall[PendingRequest]:
        return ListCall(_pending, page_size=page_size)

    @listing("/connections/pending/received")
    def pending_received(self, *, page_size: int | None = None) -> ListCall[PendingRequest]:
        return ListCall(_pending, page_size=page_size)
