"""`Client` (blocking) and `AsyncClient` (asyncio): the same resources, the same methods."""

import copy
from types import TracebackType
from typing import Generic, Self

import httpx

from mutuals_client._core import Async, Mode, Route, Sync, routes_of
from mutuals_client._transport import AsyncSession, Options, SessionCore, SyncSession
from mutuals_client.resources.blocks import Blocks
from mutuals_client.resources.connections import Connections
from mutuals_client.resources.follows import Follows
from mutuals_client.resources.identity import Identity
from mutuals_client.resources.notifications import Notifications
from mutuals_client.resources.operations import Operations
from mutuals_client.resources.relationships import Relationships
from mutuals_client.resources.users import Users
from mutuals_client.resources.webhooks import Webhooks
from mutuals_client.tokens import MemoryTokenStore, Tokens, TokenStore

DEFAULT_TIMEOUT = 30.0
RESOURCES = (
    Identity,
    Users,
    Connections,
    Follows,
    Blocks,
    Relationships,
    Notifications,
    Webhooks,
    Operations,
)


def routes() -> list[Route]:
    """Every route the client can call (the OpenAPI coverage test compares them)."""
    return [route for resource in RESOURCES for route in routes_of(resource)]


def _configure(
    base_url: str,
    project_id: str,
    service_key: str | None,
    max_retries: int,
    access_token: str | None,
    refresh_token: str | None,
    token_store: TokenStore | None,
) -> tuple[Options, TokenStore | None]:
    options = Options(base_url, project_id, service_key, max_retries)
    return options, _token_store(service_key, access_token, refresh_token, token_store)


def _token_store(
    service_key: str | None,
    access_token: str | None,
    refresh_token: str | None,
    token_store: TokenStore | None,
) -> TokenStore | None:
    if service_key is not None:
        if access_token or refresh_token or token_store:
            raise ValueError("a client uses a service key or a user session, not both")
        return None
    # A refresh token alone is enough: the first call refreshes before it is made as the user.
    given = Tokens(access_token or "", refresh_token) if access_token or refresh_token else None
    if token_store is None:
        return MemoryTokenStore(given)
    if given is not None:
        token_store.save(given)
    return token_store


class _Resources(Generic[Mode]):
    """The features of API.md, named as on the server."""

    _owns_http: bool

    def __init__(self, session: SessionCore) -> None:
        self._session = session
        self.auth: Identity[Mode] = Identity(session)
        self.users: Users[Mode] = Users(session)
        self.connections: Connections[Mode] = Connections(session)
        self.follows: Follows[Mode] = Follows(session)
        self.blocks: Blocks[Mode] = Blocks(session)
        self.relationships: Relationships[Mode] = Relationships(session)
        self.notifications: Notifications[Mode] = Notifications(session)
        self.webhooks: Webhooks[Mode] = Webhooks(session)
        self.operations: Operations[Mode] = Operations(session)

    @property
    def acting_user_id(self) -> str | None:
        return self._session.acting_user_id

    @property
    def tokens(self) -> TokenStore | None:
        """The session's token store (None on a service-key client)."""
        return self._session.tokens

    def acting_as(self, user_id: str) -> Self:
        """The same client acting for `user_id` (service key only); it shares the
        original's connections, and closing it closes nothing."""
        if self._session.options.service_key is None:
            raise ValueError("acting_as needs a service key")
        view = copy.copy(self)
        view._owns_http = False
        _Resources.__init__(view, self._session.acting_as(user_id))
        return view


class Client(_Resources[Sync]):
    """A blocking client for one project.

    Authenticate with the project's service key (and `acting_as(user_id)` for the endpoints
    that act as a user), or as a user: `client.auth.sign_in(...)`, or tokens you kept.
    """

    def __init__(
        self,
        base_url: str,
        project_id: str,
        *,
        service_key: str | None = None,
        access_token: str | None = None,
        refresh_token: str | None = None,
        token_store: TokenStore | None = None,
        max_retries: int = 2,
        timeout: float = DEFAULT_TIMEOUT,
        http_client: httpx.Client | None = None,
    ) -> None:
        options, tokens = _configure(
            base_url, project_id, service_key, max_retries, access_token, refresh_token, token_store
        )
        self._owns_http = http_client is None
        self._http = http_client or httpx.Client(timeout=timeout)
        super().__init__(SyncSession(self._http, options, tokens))

    def close(self) -> None:
        if self._owns_http:
            self._http.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()


class AsyncClient(_Resources[Async]):
    """As `Client`, for asyncio: `await client.follows.follow(uid)`, `async for … in …`."""

    def __init__(
        self,
        base_url: str,
        project_id: str,
        *,
        service_key: str | None = None,
        access_token: str | None = None,
        refresh_token: str | None = None,
        token_store: TokenStore | None = None,
        max_retries: int = 2,
        timeout: float = DEFAULT_TIMEOUT,
        http_client: httpx.AsyncClient | None = None,
    ) -> None:
        options, tokens = _configure(
            base_url, project_id, service_key, max_retries, access_token, refresh_token, token_store
        )
        self._owns_http = http_client is None
        self._http = http_client or httpx.AsyncClient(timeout=timeout)
        super().__init__(AsyncSession(self._http, options, tokens))

    async def aclose(self) -> None:
        if self._owns_http:
            await self._http.aclose()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.aclose()
