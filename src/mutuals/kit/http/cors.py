"""Browsers (API.md §11): which origins may call a project, and the headers that say so.

A project's origins live in the database and are cached per process for a few seconds, so
`mutuals project set-origins` takes effect everywhere shortly after, without a restart.
Preflights are answered here, before credentials and rate limits are looked at.
"""

import logging
import time
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

from mutuals.kit.ids import parse_uuid

ORIGINS_TTL_SECONDS = 5.0
# The origin that allows every origin, without credentials.
ANY_ORIGIN = "*"
ALLOWED_METHODS = b"GET, POST, PATCH, DELETE"
ALLOWED_HEADERS = b"Authorization, Content-Type, Idempotency-Key, X-Replyke-Project-ID"
EXPOSED_HEADERS = (
    b"RateLimit-Limit, RateLimit-Remaining, RateLimit-Reset, Retry-After, X-Request-Id, "
    b"Idempotent-Replayed"
)
PREFLIGHT_MAX_AGE = b"600"

Headers = list[tuple[bytes, bytes]]
OriginsLoader = Callable[[uuid.UUID], Awaitable[list[str]]]
# A project's allowed origins as stored, read through the app's database.
OriginsOfProject = Callable[[Any, uuid.UUID], Awaitable[list[str]]]
logger = logging.getLogger("mutuals.cors")


def project_of_path(path: str) -> uuid.UUID | None:
    """The project of a /v7/{projectId}/… path, if the path has a well-formed one."""
    if not path.startswith("/v7/"):
        return None
    return parse_uuid(path[4:40])


class CorsPolicy:
    def __init__(self, ttl_seconds: float = ORIGINS_TTL_SECONDS) -> None:
        self._ttl = ttl_seconds
        self._cache: dict[uuid.UUID, tuple[frozenset[str], float]] = {}

    async def allowed_origins(self, project_id: uuid.UUID, load: OriginsLoader) -> frozenset[str]:
        cached = self._cache.get(project_id)
        if cached is not None and cached[1] > time.monotonic():
            return cached[0]
        origins = frozenset(await load(project_id))
        if len(self._cache) > 10_000:
            self._cache.clear()
        self._cache[project_id] = (origins, time.monotonic() + self._ttl)
        return origins

    async def response_headers(self, path: str, origin: str, load: OriginsLoader) -> Headers | None:
        """The CORS headers for a request from `origin`, or None when it is not allowed."""
        project_id = project_of_path(path)
        if project_id is None:
            return None
        try:
            allowed = await self.allowed_origins(project_id, load)
        except Exception as exc:  # the request itself then answers the outage (503)
            logger.warning("cors origins unavailable error=%s", type(exc).__name__)
            return None
        if origin in allowed:
            return [
                (b"access-control-allow-origin", origin.encode("latin-1")),
                (b"access-control-allow-credentials", b"true"),
                (b"access-control-expose-headers", EXPOSED_HEADERS),
                (b"vary", b"Origin"),
            ]
        if ANY_ORIGIN in allowed:
            return [
                (b"access-control-allow-origin", b"*"),
                (b"access-control-expose-headers", EXPOSED_HEADERS),
            ]
        return None


def preflight_headers(allowed: Headers) -> Headers:
    return [
        *(header for header in allowed if header[0] != b"access-control-expose-headers"),
        (b"access-control-allow-methods", ALLOWED_METHODS),
        (b"access-control-allow-headers", ALLOWED_HEADERS),
        (b"access-control-max-age", PREFLIGHT_MAX_AGE),
    ]
