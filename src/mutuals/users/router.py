from typing import Any

from fastapi import APIRouter

from mutuals.auth.caller import MaybeCaller
from mutuals.auth.errors import Unauthorized
from mutuals.db import Transaction
from mutuals.errors import documented
from mutuals.ids import parse_uuid
from mutuals.projects.dependencies import ProjectId
from mutuals.projects.errors import InvalidProjectId, ProjectNotFound
from mutuals.users import service
from mutuals.users.errors import InvalidUserParams, UserNotFound
from mutuals.users.schemas import AuthUser, User

router = APIRouter(tags=["users"])


@router.get(
    "/users/{userId}",
    response_model=None,
    summary="A user's profile (AuthUser for the caller's own record)",
    responses=documented(
        AuthUser | User,
        InvalidProjectId,
        InvalidUserParams,
        Unauthorized,
        ProjectNotFound,
        UserNotFound,
    ),
)
async def get_user(
    userId: str,  # noqa: N803 - the Replyke path parameter name
    project_id: ProjectId,
    caller: MaybeCaller,
    connection: Transaction,
) -> dict[str, Any]:
    user_id = parse_uuid(userId)
    if user_id is None:
        raise InvalidUserParams()
    caller_user_id = caller.user_id if caller else None
    return await service.get_profile(connection, project_id, user_id, caller_user_id)
