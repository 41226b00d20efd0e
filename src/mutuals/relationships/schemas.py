"""Bodies of §8, built from rows without ORM objects."""

from typing import Literal

from pydantic import BaseModel, Field

from mutuals.kit.pagination import ListPagination
from mutuals.users.schemas import User


class ConnectionState(BaseModel):
    status: Literal["none", "pending", "connected", "declined"]
    type: Literal["sent", "received"] | None = Field(
        default=None, description="Pending and declined records only"
    )
    connection_id: str | None = Field(
        default=None, alias="connectionId", description="Absent when the status is none"
    )


class Relationship(BaseModel):
    user_id: str = Field(alias="userId")
    connection: ConnectionState
    following: bool = Field(description="The caller follows this user")
    followed_by: bool = Field(alias="followedBy", description="This user follows the caller")
    blocking: bool = Field(description="The caller blocks this user")
    mutual_connections_count: int = Field(alias="mutualConnectionsCount")


class NotFound(BaseModel):
    user_id: str = Field(alias="userId")
    found: Literal[False]


class Relationships(BaseModel):
    data: list[Relationship | NotFound]


class SharedUser(BaseModel):
    user: User


class SharedUserPage(BaseModel):
    data: list[SharedUser]
    pagination: ListPagination


class Suggestion(BaseModel):
    user: User
    mutual_connections_count: int = Field(alias="mutualConnectionsCount")
    mutual_connections: list[User] = Field(
        alias="mutualConnections", description="Up to 3, most recent mutual connection first"
    )


class Suggestions(BaseModel):
    data: list[Suggestion]
