"""Rate limits per project and client address (API.md §1), with the `limits` library.

A moving window over process memory by default, or over Redis when MUTUALS_REDIS_URL is
set, so every worker process of a deployment draws from the same allowance. Requests made
with a valid service key are not limited.
"""

import ipaddress
import logging
import math
import time
from dataclasses import dataclass
from typing import Literal

from fastapi import Request
from limits import RateLimitItem, parse
from limits.aio.strategies import MovingWindowRateLimiter
from limits.storage import storage_from_string
from prometheus_client import Counter

from mutuals.config import Settings
from mutuals.kit.errors import AppError

# While the shared store is unreachable, limits are counted in this process's memory and
# the store is tried again every few seconds; the warning is logged at most once a minute.
SHARED_STORE_TIMEOUT_SECONDS = 0.25
SHARED_STORE_RETRY_SECONDS = 2.0
SHARED_STORE_WARNING_INTERVAL_SECONDS = 60.0
SHARED_STORE_FALLBACKS = Counter(
    "mutuals_rate_limit_store_fallbacks_total",
    "Rate-limit checks counted in process memory because the shared store was unreachable",
)
logger = logging.getLogger("mutuals.ratelimit")

Group = Literal[
    "connection-request",
    "connection-change",
    "follow-block",
    "discovery",
    "user-search",
    "default",
    "auth",
]
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
        self.memory_strategy = MovingWindowRateLimiter(storage_from_string("async+memory://"))
        self.shared_strategy: MovingWindowRateLimiter | None = None
        if settings.redis_url:
            uri = settings.redis_url
            if not uri.startswith("async+"):
                uri = "async+" + uri
            # redis-py (a dependency already) rather than limits' default client, coredis.
            # Short socket timeouts: a store that stops answering must not stall requests.
            shared = storage_from_string(
                uri,
                implementation="redispy",
                socket_connect_timeout=SHARED_STORE_TIMEOUT_SECONDS,
                socket_timeout=SHARED_STORE_TIMEOUT_SECONDS,
            )
            self.shared_strategy = MovingWindowRateLimiter(shared)
        self.items: dict[Group, RateLimitItem] = {
            "connection-request": parse(settings.rate_limit_connection_request),
            "connection-change": parse(settings.rate_limit_connection_change),
            "follow-block": parse(settings.rate_limit_follow_block),
            "discovery": parse(settings.rate_limit_discovery),
            "user-search": parse(settings.rate_limit_user_search),
            "default": parse(settings.rate_limit_default),
            "auth": parse(settings.rate_limit_auth),
        }
        self.trusted_proxies = _networks(settings.trusted_proxies)
        self._shared_retry_at = 0.0
        self._last_warning_at = -math.inf

    @property
    def store_state(self) -> Literal["memory", "shared", "degraded"]:
        if self.shared_strategy is None:
            return "memory"
        return "degraded" if self._shared_retry_at > time.monotonic() else "shared"

    async def check_shared_store(self) -> Literal["memory", "shared", "degraded"]:
        """Pings the shared store (for /readyz); a store that answers is used again at once."""
        if self.shared_strategy is None:
            return "memory"
        try:
            healthy = await self.shared_strategy.storage.check()
        except Exception:  # any failure of the store is "degraded", never an error
            healthy = False
        if healthy:
            self._shared_retry_at = 0.0
        else:
            self._shared_store_failed(None)
        return self.store_state

    async def hit(self, group: Group, project: str, client: str) -> tuple[bool, WindowState]:
        item = self.items[group]
        keys = (group, project, client)
        if self.shared_strategy is not None and self._shared_retry_at <= time.monotonic():
            try:
                return await self._hit(self.shared_strategy, item, keys)
            except Exception as exc:  # an unreachable store degrades to per-process limits
                self._shared_store_failed(exc)
        return await self._hit(self.memory_strategy, item, keys)

    async def _hit(
        self, strategy: MovingWindowRateLimiter, item: RateLimitItem, keys: tuple[str, str, str]
    ) -> tuple[bool, WindowState]:
        allowed = await strategy.hit(item, *keys)
        stats = await strategy.get_window_stats(item, *keys)
        reset = max(0, math.ceil(stats.reset_time - time.time()))
        return allowed, WindowState(item.amount, max(0, stats.remaining), reset)

    def _shared_store_failed(self, exc: Exception | None) -> None:
        now = time.monotonic()
        self._shared_retry_at = now + SHARED_STORE_RETRY_SECONDS
        SHARED_STORE_FALLBACKS.inc()
        if now - self._last_warning_at >= SHARED_STORE_WARNING_INTERVAL_SECONDS:
            self._last_warning_at = now
            logger.warning(
                "rate-limit store unreachable; limits are per process until it returns error=%s",
                type(exc).__name__ if exc is not None else "ping failed",
            )

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
