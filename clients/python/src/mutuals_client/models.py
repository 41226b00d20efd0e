"""Typed results: frozen dataclasses with snake_case fields, read from the camelCase JSON of
API.md. Timestamps become timezone-aware `datetime`s; unknown keys are ignored so that a
newer server does not break an older client."""

import dataclasses
import types
import typing
from collections.abc import Mapping
from datetime import datetime
from functools import cache
from typing import Any, Literal, TypeVar, Union

from mutuals_client._core import camel

Model = TypeVar("Model")


@cache
def _fields(cls: Any) -> tuple[tuple[str, str, Any, bool], ...]:
    hints = typing.get_type_hints(cls)
    return tuple(
        (
            field.name,
            camel(field.name),
            hints[field.name],
            field.default is dataclasses.MISSING and field.default_factory is dataclasses.MISSING,
        )
        for field in dataclasses.fields(cls)
        if field.init
    )


def _value(kind: Any, raw: Any) -> Any:
    if raw is None:
        return None
    origin = typing.get_origin(kind)
    if origin in (Union, types.UnionType):
        options = [option for option in typing.get_args(kind) if option is not type(None)]
        return _value(options[0], raw) if len(options) == 1 else raw
    if origin is list:
        (item,) = typing.get_args(kind)
        return [_value(item, element) for element in raw]
    if kind is datetime:
        return datetime.fromisoformat(raw)
    if isinstance(kind, type) and dataclasses.is_dataclass(kind):
        return decode(kind, raw)
    return raw


def decode(cls: type[Model], data: Mapping[str, Any]) -> Model:
    """Builds `cls` from one JSON object of the API."""
    values: dict[str, Any] = {}
    model: Any = cls  # a class, hashable as the cache key
    for name, key, kind, required in _fields(model):
        if key in data:
            values[name] = _value(kind, data[key])
        elif required:
            values[name] = None
    return cls(**values)


@dataclasses.dataclass(frozen=True)
class User:
    """The public profile (API.md §1): never email or private data."""

    id: str
    project_id: str
    foreign_id: str | None
    name: str | None
    username: str | None
    avatar: str | None
    bio: str | None
    metadata: dict[str, Any]
    reputation: int
    created_at: datetime


@dataclasses.dataclass(frozen=True)
class AuthUser(User):
    """The signed-in user's own record: the profile plus account fields."""

    email: str | None
    is_verified: bool
    is_active: bool
    last_active: datetime | None
    auth_methods: list[str]


def decode_user(data: Mapping[str, Any]) -> User:
    """A user's own record carries `email` (AuthUser); anyone else's is the public profile."""
    return decode(AuthUser, data) if "authMethods" in data else decode(User, data)


@dataclasses.dataclass(frozen=True)
class SearchHit:
    """One answer of a user search: how similar (0 to 1) and who."""

    similarity: float
    record: User


@dataclasses.dataclass(frozen=True)
class AuthSession:
    """What sign-up, sign-in, refresh and verify-external-user answer."""

    access_token: str | None
    refresh_token: str | None
    user: AuthUser | None


ConnectionState = Literal["none", "pending", "connected", "declined"]
Side = Literal["sent", "received"]


@dataclasses.dataclass(frozen=True)
class PendingConnection:
    """A request just made (§2.1)."""

    id: str
    status: str
    created_at: datetime


@dataclasses.dataclass(frozen=True)
class ConnectionResponse:
    """An accepted or declined request (§2.10, §2.11)."""

    id: str
    status: str
    responded_at: datetime


@dataclasses.dataclass(frozen=True)
class ConnectionRecord:
    """A connection as webhook events carry it (§9.1)."""

    id: str
    requester_id: str
    receiver_id: str
    status: str
    message: str | None
    created_at: datetime
    responded_at: datetime | None


@dataclasses.dataclass(frozen=True)
class ConnectionStatus:
    """The record between the caller and another user, from the caller's side (§2.2)."""

    status: ConnectionState
    type: Side | None = None
    connection_id: str | None = None
    created_at: datetime | None = None
    connected_at: datetime | None = None
    requested_at: datetime | None = None
    responded_at: datetime | None = None


@dataclasses.dataclass(frozen=True)
class ConnectionRemoval:
    """What a removal did (§2.3, §2.12): `action` is withdraw, decline or disconnect."""

    message: str | None = None
    action: Literal["withdraw", "decline", "disconnect"] | None = None
    id: str | None = None
    status: str | None = None
    responded_at: datetime | None = None


@dataclasses.dataclass(frozen=True)
class Connection:
    """One accepted connection in a list (§2.4)."""

    id: str
    connected_user: User
    connected_at: datetime
    requested_at: datetime


@dataclasses.dataclass(frozen=True)
class PendingRequest:
    """A pending request in the caller's sent or received list (§2.8, §2.9)."""

    id: str
    type: Side
    user: User
    message: str | None
    created_at: datetime


@dataclasses.dataclass(frozen=True)
class Follow:
    id: str
    follower_id: str
    followed_id: str
    created_at: datetime


@dataclasses.dataclass(frozen=True)
class FollowStatus:
    is_following: bool
    follow_id: str | None = None
    followed_at: datetime | None = None


@dataclasses.dataclass(frozen=True)
class FollowEdge:
    """One item of a followers or following list: `user` is the other side (§6.5)."""

    follow_id: str
    user: User
    followed_at: datetime


@dataclasses.dataclass(frozen=True)
class Block:
    id: str
    blocker_id: str
    blocked_id: str
    created_at: datetime


@dataclasses.dataclass(frozen=True)
class BlockStatus:
    blocked: bool
    block_id: str | None = None
    created_at: datetime | None = None


@dataclasses.dataclass(frozen=True)
class BlockedUser:
    id: str
    blocked_user: User
    created_at: datetime


@dataclasses.dataclass(frozen=True)
class RelationshipConnection:
    status: ConnectionState
    type: Side | None = None
    connection_id: str | None = None


@dataclasses.dataclass(frozen=True)
class Relationship:
    """How the caller relates to one user (§8.1); `found` is False for an unknown user or
    one who blocks the caller, and then nothing else is said."""

    user_id: str
    found: bool = True
    connection: RelationshipConnection | None = None
    following: bool = False
    followed_by: bool = False
    blocking: bool = False
    mutual_connections_count: int = 0


@dataclasses.dataclass(frozen=True)
class Suggestion:
    user: User
    mutual_connections_count: int
    mutual_connections: list[User]


@dataclasses.dataclass(frozen=True)
class Notification:
    id: str
    project_id: str
    user_id: str
    type: str
    action: str | None
    is_read: bool
    metadata: dict[str, Any]
    created_at: datetime
    updated_at: datetime


@dataclasses.dataclass(frozen=True)
class Webhook:
    """A webhook; `secret` is set only in the answers of create and rotate-secret."""

    id: str
    url: str
    events: list[str]
    description: str | None
    enabled: bool
    created_at: datetime
    updated_at: datetime
    secret: str | None = None


@dataclasses.dataclass(frozen=True)
class WebhookDelivery:
    id: str
    event_id: str
    event_type: str
    status: Literal["pending", "succeeded", "failed", "dead"]
    attempts: int
    last_status_code: int | None
    last_error: str | None
    next_attempt_at: datetime | None
    created_at: datetime
