from typing import Any

from fastapi import APIRouter

from mutuals.auth.caller import MaybeCaller
from mutuals.auth.errors import Unauthorized
from mutuals.db import Transaction
from mutuals.errors import InvalidJson, documented, validation_errors_as
from mutuals.identity.schemas import ProfileFields
from mutuals.ids import parse_uuid
from mutuals.projects.dependencies import ProjectId
from mutuals.projects.errors import InvalidProjectId, ProjectNotFound
from mutuals.ratelimit import DefaultRateLimit, RateLimitExceededError
from mutuals.responses import JsonBody
from mutuals.users import service
from mutuals.users.errors import (
    DuplicateEmail,
    DuplicateUsername,
    InvalidUserParams,
    UserForbidden,
    UserNotFound,
)
from mutuals.users.schemas import AuthUser, User

router = APIRouter(
    tags=["users"],
    dependencies=[DefaultRateLimit],
    route_class=validation_errors_as(InvalidUserParams),
)

COMMON = (
    InvalidProjectId,
    InvalidUserParams,
    ProjectNotFound,
    UserNotFound,
    RateLimitExceededError,
)


def _user_id(raw: str) -> Any:
    user_id = parse_uuid(raw)
    if user_id is None:
        raise InvalidUserParams()
    return user_id


@router.get(
    "/users/{userId}",
    response_model=None,
    summary="A user's profile (AuthUser for the caller's own record)",
    responses=documented(AuthUser | User, Unauthorized, *COMMON),
)
async def get_user(
    userId: str,  # noqa: N803 - the Replyke path parameter name
    project_id: ProjectId,
    caller: MaybeCaller,
    connection: Transaction,
) -> JsonBody:
    caller_user_id = caller.user_id if caller else None
    return JsonBody(
        await service.get_profile(connection, project_id, _user_id(userId), caller_user_id)
    )


@router.patch(
    "/users/{userId}",
    response_model=None,
    summary="Update a profile (the user themself, or the project's service key)",
    responses=documented(
        AuthUser,
        Unauthorized,
        UserForbidden,
        DuplicateUsername,
        DuplicateEmail,
        InvalidJson,
        *COMMON,
    ),
)
async def update_user(
    userId: str,  # noqa: N803 - the Replyke path parameter name
    body: ProfileFields,
    project_id: ProjectId,
    caller: MaybeCaller,
    connection: Transaction,
) -> JsonBody:
    user_id = _user_id(userId)
    if caller is None:
        raise Unauthorized()
    if not caller.is_service and caller.user_id != user_id:
        raise UserForbidden()
    return JsonBody(
        await service.update_profile(
            connection, project_id, user_id, body.model_dump(exclude_unset=True)
        )
    )
