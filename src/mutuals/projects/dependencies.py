"""Resolves the {projectId} of every /v7 path.

Existence is cached per process for a short time: projects are created rarely and never
renamed in place, and the cache saves a database round trip on every request.
"""

import time
import uuid

from fastapi import Request
from sqlalchemy.ext.asyncio import AsyncConnection

from mutuals.kit.ids import parse_uuid
from mutuals.projects import repository
from mutuals.projects.errors import InvalidProjectId, ProjectNotFound

KNOWN_PROJECT_TTL_SECONDS = 60.0


class KnownProjects:
    def __init__(self, ttl_seconds: float = KNOWN_PROJECT_TTL_SECONDS) -> None:
        self._ttl = ttl_seconds
        self._expiry: dict[uuid.UUID, float] = {}

    def contains(self, project_id: uuid.UUID) -> bool:
        expiry = self._expiry.get(project_id)
        return expiry is not None and expiry > time.monotonic()

    def remember(self, project_id: uuid.UUID) -> None:
        if len(self._expiry) > 10_000:
            self._expiry.clear()
        self._expiry[project_id] = time.monotonic() + self._ttl


async def resolve_project(
    request: Request, project_id: str, connection: AsyncConnection
) -> uuid.UUID:
    """The {projectId} of the path, known to exist, or the 400/404 of API.md §1."""
    parsed = parse_uuid(project_id)
    if parsed is None:
        raise InvalidProjectId()
    known: KnownProjects = request.app.state.known_projects
    if known.contains(parsed):
        return parsed
    if not await repository.project_exists(connection, parsed):
        raise ProjectNotFound()
    known.remember(parsed)
    return parsed
