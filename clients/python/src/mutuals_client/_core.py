"""Endpoints declared once, callable from the sync and the async client.

A resource method builds a `Call` (path values, query, body, how to read the answer); the
descriptor around it knows the route (method and path template, as in API.md) and hands
both to the client's session, which runs it synchronously or returns a coroutine. The
route table is what the OpenAPI coverage test walks.
"""

from collections.abc import Callable, Coroutine, Mapping
from dataclasses import dataclass, field
from typing import (
    TYPE_CHECKING,
    Any,
    Concatenate,
    Generic,
    Literal,
    ParamSpec,
    TypeVar,
    overload,
)

if TYPE_CHECKING:
    from mutuals_client.pagination import AsyncPager, Pager

Result = TypeVar("Result")
Item = TypeVar("Item")
Params = ParamSpec("Params")

# Who the route serves, which decides what the session adds to it:
# "user" and "public" carry the acting user of a service key (`actingUserId`), "plain"
# carries the credential only, "identity" no credential (the /auth endpoints ignore it),
# "root" lives outside /v7/{projectId}.
Scope = Literal["user", "public", "plain", "identity", "root"]


class Sync:
    """Marks resources of the blocking client."""


class Async:
    """Marks resources of the asyncio client."""


Mode = TypeVar("Mode", Sync, Async)


@dataclass(frozen=True)
class Route:
    method: str
    template: str
    scope: Scope

    @property
    def is_write(self) -> bool:
        return self.method in {"POST", "PATCH", "DELETE"}


@dataclass(frozen=True)
class Call(Generic[Result]):
    """One request's variable parts and how its answer becomes a result."""

    parse: Callable[[Any], Result]
    path: Mapping[str, str] = field(default_factory=dict)
    query: Mapping[str, Any] = field(default_factory=dict)
    body: Mapping[str, Any] | None = None
    idempotency_key: str | None = None
    # Identity answers carry tokens: a session keeps them, and sign-out forgets them.
    tokens: Literal["keep", "forget"] | None = None
    # The answer is plain text, not JSON (the metrics).
    text: bool = False


@dataclass(frozen=True)
class ListCall(Generic[Item]):
    """A list endpoint: walked page by page with cursors (API.md §10.2)."""

    item: Callable[[Any], Item]
    path: Mapping[str, str] = field(default_factory=dict)
    query: Mapping[str, Any] = field(default_factory=dict)
    page_size: int | None = None


class Resource(Generic[Mode]):
    """One feature's endpoints, bound to a client's session."""

    def __init__(self, session: Any) -> None:
        self._session = session


class Endpoint(Generic[Params, Result]):
    def __init__(self, route: Route, build: Callable[Concatenate[Any, Params], Call[Result]]):
        self.route = route
        self.build = build
        self.__doc__ = build.__doc__

    @overload
    def __get__(self, obj: None, owner: type) -> "Endpoint[Params, Result]": ...

    @overload
    def __get__(self, obj: Resource[Sync], owner: type) -> Callable[Params, Result]: ...

    @overload
    def __get__(
        self, obj: Resource[Async], owner: type
    ) -> Callable[Params, Coroutine[Any, Any, Result]]: ...

    def __get__(self, obj: Resource[Any] | None, owner: type) -> Any:
        if obj is None:
            return self
        session = obj._session

        def invoke(*args: Params.args, **kwargs: Params.kwargs) -> Any:
            return session.run(self.route, self.build(obj, *args, **kwargs))

        invoke.__doc__ = self.__doc__
        return invoke


class Listing(Generic[Params, Item]):
    def __init__(self, route: Route, build: Callable[Concatenate[Any, Params], ListCall[Item]]):
        self.route = route
        self.build = build
        self.__doc__ = build.__doc__

    @overload
    def __get__(self, obj: None, owner: type) -> "Listing[Params, Item]": ...

    @overload
    def __get__(self, obj: Resource[Sync], owner: type) -> Callable[Params, "Pager[Item]"]: ...

    @overload
    def __get__(
        self, obj: Resource[Async], owner: type
    ) -> Callable[Params, "AsyncPager[Item]"]: ...

    def __get__(self, obj: Resource[Any] | None, owner: type) -> Any:
        if obj is None:
            return self
        session = obj._session

        def invoke(*args: Params.args, **kwargs: Params.kwargs) -> Any:
            return session.pager(self.route, self.build(obj, *args, **kwargs))

        invoke.__doc__ = self.__doc__
        return invoke


def endpoint(
    method: str, template: str, scope: Scope = "user"
) -> Callable[[Callable[Concatenate[Any, Params], Call[Result]]], Endpoint[Params, Result]]:
    def declare(
        build: Callable[Concatenate[Any, Params], Call[Result]],
    ) -> Endpoint[Params, Result]:
        return Endpoint(Route(method, template, scope), build)

    return declare


def listing(
    template: str, scope: Scope = "user"
) -> Callable[[Callable[Concatenate[Any, Params], ListCall[Item]]], Listing[Params, Item]]:
    def declare(build: Callable[Concatenate[Any, Params], ListCall[Item]]) -> Listing[Params, Item]:
        return Listing(Route("GET", template, scope), build)

    return declare


def routes_of(resource: type) -> list[Route]:
    """Every route a resource class declares (for the OpenAPI coverage test)."""
    return [
        member.route
        for klass in resource.__mro__
        for member in vars(klass).values()
        if isinstance(member, Endpoint | Listing)
    ]


def camel(name: str) -> str:
    """`connection_id` → `connectionId`: the API's spelling of a Python name."""
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)


def no_content(_: Any) -> None:
    return None


class Unset:
    """The default of an optional change: the field is left as it is (unlike `None`)."""

    def __repr__(self) -> str:
        return "UNSET"


UNSET = Unset()


def present(**values: Any) -> dict[str, Any]:
    """The camelCase body of a POST with the optional fields that were given."""
    return {camel(name): value for name, value in values.items() if value is not None}


def changes(**values: Any) -> dict[str, Any]:
    """The camelCase body of a PATCH with only the fields that were given."""
    return {camel(name): value for name, value in values.items() if value is not UNSET}
