"""Request and response bodies of §2, built from rows without ORM objects."""

from collections.abc import Mapping
from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field, JsonValue, WithJsonSchema

from mutuals.kit.db.prepared import Row
from mutuals.kit.http.bodies import RequestBody
from mutuals.kit.pagination import ListPagination
from mutuals.kit.timestamps import to_iso, to_iso_or_none
from mutuals.users.schemas import User, public_user

MESSAGE_SCHEMA: dict[str, Any] = {"anyOf": [{"type": "string", "maxLength": 500}, {"type": "null"}]}


class ConnectionRequestBody(RequestBody):
    # Unknown fields (status, requesterId, …) are ignored, never applied.

    # Typed loosely so a wrong type answers connection/invalid-message, not a generic error.
    message: Annotated[
        JsonValue,
        WithJsonSchema({"anyOf": [{"type": "string", "maxLength": 500}, {"type": "null"}]}),
    ] = None
    actingUserId: str | None = Field(  # noqa: N815 - the wire name
        default=None, description="With a service key: the user to act for"
    )


class Created(BaseModel):
    id: str
    status: Literal["pending"]
    created_at: str = Field(alias="createdAt")


class Responded(BaseModel):
    id: str
    status: Literal["accepted", "declined"]
    responded_at: str = Field(alias="respondedAt")


class StatusNone(BaseModel):
    status: Literal["none"]


class StatusPending(BaseModel):
    status: Literal["pending"]
    type: Literal["sent", "received"]
    connection_id: str = Field(alias="connectionId")
    created_at: str = Field(alias="createdAt")


class StatusConnected(BaseModel):
    status: Literal["connected"]
    connection_id: str = Field(alias="connectionId")
    connected_at: str = Field(alias="connectedAt")
    requested_at: str = Field(alias="requestedAt")


class StatusDeclined(BaseModel):
    status: Literal["declined"]
    type: Literal["sent", "received"]
    connection_id: str = Field(alias="connectionId")
    responded_at: str = Field(alias="respondedAt")


ConnectionStatus = StatusNone | StatusPending | StatusConnected | StatusDeclined


class RemovedByUser(BaseModel):
    message: str
    action: Literal["withdraw", "disconnect"]


class DeclinedByUser(Responded):
    action: Literal["decline"]


class Removed(BaseModel):
    message: str


class ConnectionItem(BaseModel):
    id: str
    connected_user: User = Field(alias="connectedUser")
    connected_at: str = Field(alias="connectedAt")
    requested_at: str = Field(alias="requestedAt")


class ConnectionPage(BaseModel):
    data: list[ConnectionItem]
    pagination: ListPagination


class PendingItem(BaseModel):
    id: str
    type: Literal["sent", "received"]
    user: User
    message: str | None
    created_at: str = Field(alias="createdAt")


class PendingPage(BaseModel):
    data: list[PendingItem]
    pagination: ListPagination


def connection_item(row: Row) -> dict[str, Any]:
    return {
        "id": str(row["connection_id"]),
        "connectedUser": public_user(row, prefix="user_"),
        "connectedAt": to_iso(row["connected_at"]),
        "requestedAt": to_iso(row["requested_at"]),
    }


def pending_item(row: Row, kind: Literal["sent", "received"]) -> dict[str, Any]:
    return {
        "id": str(row["connection_id"]),
        "type": kind,
        "user": public_user(row, prefix="user_"),
        "message": row["message"],
        "createdAt": to_iso(row["requested_at"]),
    }


def connection_event(row: Mapping[Any, Any]) -> dict[str, Any]:
    """A connection as webhook events show it (`row`: the connection's columns)."""
    return {
        "connection": {
            "id": str(row["id"]),
            "requesterId": str(row["requester_id"]),
            "receiverId": str(row["receiver_id"]),
            "status": row["status"],
            "message": row["message"],
            "createdAt": to_iso(row["created_at"]),
            "respondedAt": to_iso_or_none(row["responded_at"]),
        }
    }
