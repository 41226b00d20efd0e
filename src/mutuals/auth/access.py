"""The one dependency each /v7 route takes to learn its project and caller.

Resolving the project, counting the request against its rate-limit group and reading the
credential happen in a single dependency (rather than a chain of small ones) because the
framework's per-dependency cost was a large share of a read request.
"""

import uuid
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, Path, Request
from sqlalchemy.ext.asyncio import AsyncConnection

from mutuals.auth.caller import Caller, UserCaller, authenticate, is_service_key_request
from mutuals.auth.errors import (
    ActingUserNotFound,
    ActingUserRequired,
    CredentialMissingError,
    CredentialRejectedError,
)
from mutuals.idempotency import service as idempotency
from mutuals.idempotency.service import caller_scope
from mutuals.kit.db.request import Transaction
from mutuals.kit.errors import AppError
from mutuals.kit.observability.business import RATE_LIMITED
from mutuals.kit.ratelimit import (
    STATE_KEY,
    Group,
    RateLimiter,
    RateLimitExceededError,
)
from mutuals.projects.dependencies import resolve_project
from mutuals.projects.errors import InvalidProjectId, ProjectNotFound

# What the access dependencies below may answer, for each route's OpenAPI `responses=`.
USER_ACCESS_ERRORS = (
    InvalidProjectId,
    ActingUserRequired,
    CredentialMissingError,
    CredentialRejectedError,
    ProjectNotFound,
    ActingUserNotFound,
    RateLimitExceededError,
)
VISITOR_ACCESS_ERRORS = (
    InvalidProjectId,
    CredentialMissingError,
    CredentialRejectedError,
    ProjectNotFound,
    RateLimitExceededError,
)


ProjectPath = Annotated[str, Path(alias="projectId", description="The project's id")]


@dataclass(frozen=True)
class Visitor:
    """A caller of a public endpoint: the project, and whoever is calling if anyone."""

    project_id: uuid.UUID
    caller: Caller | None

    @property
    def user_id(self) -> uuid.UUID | None:
        return self.caller.user_id if self.caller else None

    @property
    def is_service(self) -> bool:
        return self.caller is not None and self.caller.is_service


def user_access(group: Group) -> Any:
    """A signed-in user, or a service key acting for one."""

    async def resolve(
        request: Request, project: ProjectPath, connection: Transaction
    ) -> UserCaller:
        project_id = await resolve_project(request, project, connection)
        await enforce_rate_limit(request, group, project_id, connection)
        caller = await authenticate(request, project_id, connection)
        if caller is None:
            raise CredentialMissingError()
        if caller.user_id is None:
            raise ActingUserRequired()
        await idempotency.begin(
            request, connection, project_id, caller_scope(caller.user_id, caller.is_service)
        )
        return UserCaller(caller.project_id, caller.user_id, caller.is_service)

    return Depends(resolve)


def visitor_access(group: Group) -> Any:
    """Anyone; a credential, when sent, must still be valid."""

    async def resolve(request: Request, project: ProjectPath, connection: Transaction) -> Visitor:
        project_id = await resolve_project(request, project, connection)
        await enforce_rate_limit(request, group, project_id, connection)
        caller = await authenticate(request, project_id, connection)
        if caller is not None:
            scope = caller_scope(caller.user_id, caller.is_service)
            await idempotency.begin(request, connection, project_id, scope)
        return Visitor(project_id, caller)

    return Depends(resolve)


def service_access(group: Group, forbidden: type[AppError]) -> Any:
    """The project's backend only: a service key (a user's token answers `forbidden`)."""

    async def resolve(request: Request, project: ProjectPath, connection: Transaction) -> uuid.UUID:
        project_id = await resolve_project(request, project, connection)
        await enforce_rate_limit(request, group, project_id, connection)
        caller = await authenticate(request, project_id, connection)
        if caller is None:
            raise CredentialMissingError()
        if not caller.is_service:
            raise forbidden()
        await idempotency.begin(request, connection, project_id, caller_scope(None, True))
        return project_id

    return Depends(resolve)


def project_access(group: Group | None) -> Any:
    """The project only: identity endpoints read no credential (an expired access token
    sent along with a refresh must not fail it), but a service key still skips the limit."""

    async def resolve(request: Request, project: ProjectPath, connection: Transaction) -> uuid.UUID:
        project_id = await resolve_project(request, project, connection)
        if group is not None:
            await enforce_rate_limit(request, group, project_id, connection)
        return project_id

    return Depends(resolve)


ConnectionRequestUser = Annotated[UserCaller, user_access("connection-request")]
ConnectionChangeUser = Annotated[UserCaller, user_access("connection-change")]
FollowChangeUser = Annotated[UserCaller, user_access("follow-block")]
BlockChangeUser = FollowChangeUser  # one allowance for follow, unfollow, block and unblock
DiscoveryUser = Annotated[UserCaller, user_access("discovery")]
CurrentUser = Annotated[UserCaller, user_access("default")]
PublicVisitor = Annotated[Visitor, visitor_access("default")]
SearchingVisitor = Annotated[Visitor, visitor_access("user-search")]
AuthProject = Annotated[uuid.UUID, project_access("auth")]
Project = Annotated[uuid.UUID, project_access(None)]


async def enforce_rate_limit(
    request: Request, group: Group, project_id: uuid.UUID, connection: AsyncConnection
) -> None:
    """Counts the request against its group's allowance; 429 once it is spent. Service
    keys are not limited (API.md §1)."""
    limiter: RateLimiter = request.app.state.rate_limiter
    if not limiter.enabled or await is_service_key_request(request, project_id, connection):
        return
    allowed, state = await limiter.hit(group, str(project_id), limiter.client_address(request))
    request.scope.setdefault("state", {})[STATE_KEY] = state
    if not allowed:
        RATE_LIMITED.labels(group).inc()
        raise RateLimitExceededError()
