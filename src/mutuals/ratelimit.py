"""Rate limits per project and client address (API.md §1), with the `limits` library.

A moving window over process memory by default, or over Redis when MUTUALS_REDIS_URL is
set, so every worker process of a deployment draws from the same allowance. Requests made
with a valid service key are not limited.
"""

import ipaddress
import math
import time
import uuid
from dataclasses import dataclass
from typing import Any, Literal

from fastapi import Request
from limits import RateLimitItem, parse
from limits.aio.strategies import MovingWindowRateLimiter
from limits.storage import storage_from_string
from sqlalchemy.ext.asyncio import AsyncConnection

from mutuals.auth.caller import is_service_key_request
from mutuals.config import Settings
from mutuals.errors import AppError

Group = Literal["connection-request", "connection-change", "default", "auth"]
STATE_KEY = "rate_limit"


class RateLimitExceededError(AppError):
    status = 429
    code = "rate-limit/exceeded"
    message = "Too many requests, please try again later."


@dataclass(frozen=True)
class WindowState:
    limit: int
    remaining: int
    reset_seconds: int

    def headers(self) -> list[tuple[bytes, bytes]]:
        return [
            (b"ratelimit-limit", str(self.limit).encode()),
            (b"ratelimit-remaining", str(self.remaining).encode()),
            (b"ratelimit-reset", str(self.reset_seconds).encode()),
        ]


class RateLimiter:
    def __init__(self, settings: Settings) -> None:
        self.enabled = settings.rate_limits == "on"
        if settings.redis_url:
            uri = settings.redis_url
            if not uri.startswith("async+"):
                uri = "async+" + uri
            # redis-py (a dependency already) rather than limits' default client, coredis.
            self.storage: Any = storage_from_string(uri, implementation="redispy")
        else:
            self.storage = storage_from_string("async+memory://")
        self.strategy = MovingWindowRateLimiter(self.storage)
        self.items: dict[Group, RateLimitItem] = {
            "connection-request": parse(settings.rate_limit_connection_request),
            "connection-change": parse(settings.rate_limit_connection_change),
            "default": parse(settings.rate_limit_default),
            "auth": parse(settings.rate_limit_auth),
        }
        self.trusted_proxies = _networks(settings.trusted_proxies)

    async def hit(self, group: Group, project: str, client: str) -> tuple[bool, WindowState]:
        item = self.items[group]
        allowed = await self.strategy.hit(item, group, project, client)
        stats = await self.strategy.get_window_stats(item, group, project, client)
        reset = max(0, math.ceil(stats.reset_time - time.time()))
        return allowed, WindowState(item.amount, max(0, stats.remaining), reset)

    def client_address(self, request: Request) -> str:
        """The socket peer, or, behind a trusted proxy, the nearest untrusted forwarder."""
        peer = request.client.host if request.client else "unknown"
        if not self.trusted_proxies or not _in(peer, self.trusted_proxies):
            return peer
        forwarded = request.headers.get("x-forwarded-for", "")
        hops = [hop.strip() for hop in forwarded.split(",") if hop.strip()]
        for hop in reversed(hops):
            if not _in(hop, self.trusted_proxies):
                return hop
        return hops[0] if hops else peer


def _networks(spec: str) -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
    return [
        ipaddress.ip_network(part.strip(), strict=False) for part in spec.split(",") if part.strip()
    ]


def _in(address: str, networks: list[ipaddress.IPv4Network | ipaddress.IPv6Network]) -> bool:
    try:
        parsed = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(parsed in network for network in networks)


async def enforce_rate_limit(
    request: Request, group: Group, project_id: uuid.UUID, connection: AsyncConnection
) -> None:
    """Counts the request against its group's allowance; 429 once it is spent."""
    limiter: RateLimiter = request.app.state.rate_limiter
    if not limiter.enabled or await is_service_key_request(request, project_id, connection):
        return
    allowed, state = await limiter.hit(group, str(project_id), limiter.client_address(request))
    request.scope.setdefault("state", {})[STATE_KEY] = state
    if not allowed:
        raise RateLimitExceededError()
