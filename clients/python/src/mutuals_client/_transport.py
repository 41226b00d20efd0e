"""How a call becomes requests: credentials, idempotency keys, retries, token refresh.

The policy is written once as a plan (a generator that yields what to do next: send this
request, sleep this long, refresh the token) and two small drivers carry it out, one
blocking and one with asyncio, so the two clients cannot drift apart.
"""

from __future__ import annotations

import asyncio
import random
import threading
import time
import uuid
from collections.abc import Generator
from dataclasses import dataclass
from typing import Any, Self, TypeVar
from urllib.parse import quote

import httpx

from mutuals_client._core import Call, ListCall, Route
from mutuals_client.errors import (
    APIConnectionError,
    error_from_response,
    is_bare_credential_failure,
    retry_after_seconds,
)
from mutuals_client.models import AuthSession
from mutuals_client.pagination import AsyncPager, Pager
from mutuals_client.resources.identity import REFRESH, refresh_call
from mutuals_client.tokens import Tokens, TokenStore

Result = TypeVar("Result")
Item = TypeVar("Item")

USER_AGENT = "mutuals-client/0.1.0"
# The request was never sent: retrying cannot repeat anything, whatever the endpoint.
_NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)


@dataclass(frozen=True)
class Options:
    base_url: str
    project_id: str
    service_key: str | None = None
    max_retries: int = 2
    # A 429 asking to wait longer than this is raised at once as RateLimited.
    max_retry_wait: float = 60.0
    backoff_initial: float = 0.5
    backoff_max: float = 8.0


@dataclass(frozen=True)
class Send:
    request: httpx.Request


@dataclass(frozen=True)
class Sleep:
    seconds: float


@dataclass(frozen=True)
class Refresh:
    stale_access_token: str | None


Step = Send | Sleep | Refresh
Plan = Generator[Step, Any, Result]


class SessionCore:
    def __init__(
        self, options: Options, tokens: TokenStore | None, acting_user_id: str | None
    ) -> None:
        self.options = options
        self.tokens = tokens
        self.acting_user_id = acting_user_id

    def acting_as(self, user_id: str) -> Self:
        raise NotImplementedError

    def plan(self, route: Route, call: Call[Result]) -> Plan[Result]:
        key = call.idempotency_key or (uuid.uuid4().hex if route.is_write else None)
        attempt = 0
        refreshed = False
        while True:
            credential = self._credential(route)
            outcome = yield Send(self._request(route, call, key, credential))
            if isinstance(outcome, httpx.TransportError):
                delay = self._after_transport_error(route, outcome, attempt)
                if delay is None:
                    raise APIConnectionError(
                        f"{route.method} {route.template}: {type(outcome).__name__}: {outcome}"
                    ) from outcome
            else:
                if not refreshed and self._may_refresh(route, outcome):
                    refreshed = True
                    yield Refresh(credential)
                    continue
                delay = self._after_response(outcome, attempt)
                if delay is None:
                    return self._finish(call, outcome)
            attempt += 1
            yield Sleep(delay)

    def _credential(self, route: Route) -> str | None:
        if route.scope in ("identity", "root"):
            return None
        if self.options.service_key is not None:
            return self.options.service_key
        tokens = self.tokens.load() if self.tokens is not None else None
        return (tokens.access_token or None) if tokens is not None else None

    def _request(
        self, route: Route, call: Call[Any], key: str | None, credential: str | None
    ) -> httpx.Request:
        path = route.template.format(
            **{name: quote(str(value), safe="") for name, value in call.path.items()}
        )
        if route.scope != "root":
            path = f"/v7/{quote(self.options.project_id, safe='')}{path}"
        query = {name: value for name, value in call.query.items() if value is not None}
        body = dict(call.body) if call.body is not None else None
        if self.acting_user_id is not None and route.scope in ("user", "public"):
            if route.method in ("POST", "PATCH"):
                body = {**(body or {}), "actingUserId": self.acting_user_id}
            else:
                query["actingUserId"] = self.acting_user_id
        headers = {"Accept": "application/json", "User-Agent": USER_AGENT}
        if credential is not None:
            headers["Authorization"] = f"Bearer {credential}"
        if key is not None:
            headers["Idempotency-Key"] = key
        return httpx.Request(
            route.method,
            self.options.base_url.rstrip("/") + path,
            params=query,
            json=body,
            headers=headers,
        )

    def _backoff(self, attempt: int) -> float:
        ceiling = min(self.options.backoff_max, self.options.backoff_initial * 2.0**attempt)
        return ceiling * random.uniform(0.5, 1.0)  # noqa: S311 - jitter, not a secret

    def _after_transport_error(
        self, route: Route, error: httpx.TransportError, attempt: int
    ) -> float | None:
        if attempt >= self.options.max_retries:
            return None
        # A write's idempotency key makes its retry replay the first answer; the identity
        # endpoints keep no keys, so they are retried only when nothing was sent.
        replayable = route.scope != "identity" or route.method == "GET"
        if replayable or isinstance(error, _NOT_SENT):
            return self._backoff(attempt)
        return None

    def _after_response(self, response: httpx.Response, attempt: int) -> float | None:
        if attempt >= self.options.max_retries:
            return None
        status = response.status_code
        if status == 429:
            wait = retry_after_seconds(response)
            wait = self._backoff(attempt) if wait is None else wait
            return wait if wait <= self.options.max_retry_wait else None
        if status == 503:
            return retry_after_seconds(response) or self._backoff(attempt)
        if status == 409 and _code(response) == "idempotency/in-progress":
            # The first copy of this write is still running: its answer will be replayed.
            return self._backoff(attempt)
        return None

    def _may_refresh(self, route: Route, response: httpx.Response) -> bool:
        if self.options.service_key is not None or self.tokens is None:
            return False
        if route.scope in ("identity", "root") or not is_bare_credential_failure(response):
            return False
        tokens = self.tokens.load()
        return tokens is not None and tokens.refresh_token is not None

    def _finish(self, call: Call[Result], response: httpx.Response) -> Result:
        if response.status_code >= 400:
            raise error_from_response(response)
        body: Any = response.text if call.text else response.json() if response.content else None
        result = call.parse(body)
        # A service key's client creates and signs in users for others: it keeps no tokens.
        store = self.tokens if self.options.service_key is None else None
        if store is not None and call.tokens == "forget":
            store.save(None)
        elif store is not None and call.tokens == "keep" and isinstance(result, AuthSession):
            self._keep(store, result)
        return result

    @staticmethod
    def _keep(store: TokenStore, session: AuthSession) -> None:
        if session.access_token is not None:
            store.save(Tokens(session.access_token, session.refresh_token))

    def _stale(self, stale_access_token: str | None) -> str | None:
        """The refresh token to use, or None when another call has refreshed already."""
        current = self.tokens.load() if self.tokens is not None else None
        if current is None or current.refresh_token is None:
            return None
        if (current.access_token or None) != stale_access_token:
            return None
        return current.refresh_token


def _code(response: httpx.Response) -> str | None:
    try:
        body = response.json()
    except ValueError:
        return None
    return body.get("code") if isinstance(body, dict) else None


class SyncSession(SessionCore):
    def __init__(
        self,
        http: httpx.Client,
        options: Options,
        tokens: TokenStore | None,
        acting_user_id: str | None = None,
        refresh_lock: threading.Lock | None = None,
    ) -> None:
        super().__init__(options, tokens, acting_user_id)
        self.http = http
        self._refresh_lock = refresh_lock or threading.Lock()

    def run(self, route: Route, call: Call[Result]) -> Result:
        flow = self.plan(route, call)
        outcome: Any = None
        while True:
            try:
                step = flow.send(outcome)
            except StopIteration as done:
                result: Result = done.value
                return result
            outcome = self._perform(step)

    def _perform(self, step: Step) -> Any:
        if isinstance(step, Send):
            try:
                return self.http.send(step.request)
            except httpx.TransportError as error:
                return error
        if isinstance(step, Sleep):
            time.sleep(step.seconds)
            return None
        with self._refresh_lock:
            refresh_token = self._stale(step.stale_access_token)
            if refresh_token is not None:
                self.run(REFRESH, refresh_call(refresh_token))
        return None

    def pager(self, route: Route, listed: ListCall[Item]) -> Pager[Item]:
        return Pager(self, route, listed)

    def acting_as(self, user_id: str) -> SyncSession:
        return SyncSession(self.http, self.options, self.tokens, user_id, self._refresh_lock)


class AsyncSession(SessionCore):
    def __init__(
        self,
        http: httpx.AsyncClient,
        options: Options,
        tokens: TokenStore | None,
        acting_user_id: str | None = None,
        refresh_lock: asyncio.Lock | None = None,
    ) -> None:
        super().__init__(options, tokens, acting_user_id)
        self.http = http
        self._refresh_lock = refresh_lock or asyncio.Lock()

    async def run(self, route: Route, call: Call[Result]) -> Result:
        flow = self.plan(route, call)
        outcome: Any = None
        while True:
            try:
                step = flow.send(outcome)
            except StopIteration as done:
                result: Result = done.value
                return result
            outcome = await self._perform(step)

    async def _perform(self, step: Step) -> Any:
        if isinstance(step, Send):
            try:
                return await self.http.send(step.request)
            except httpx.TransportError as error:
                return error
        if isinstance(step, Sleep):
            await asyncio.sleep(step.seconds)
            return None
        async with self._refresh_lock:
            refresh_token = self._stale(step.stale_access_token)
            if refresh_token is not None:
                await self.run(REFRESH, refresh_call(refresh_token))
        return None

    def pager(self, route: Route, listed: ListCall[Item]) -> AsyncPager[Item]:
        return AsyncPager(self, route, listed)

    def acting_as(self, user_id: str) -> AsyncSession:
        return AsyncSession(self.http, self.options, self.tokens, user_id, self._refresh_lock)
