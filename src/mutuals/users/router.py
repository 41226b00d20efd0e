from mutuals.auth.access import PublicVisitor
from mutuals.auth.errors import CredentialMissingError, CredentialRejectedError
from mutuals.idempotency.route import IdempotentRoute
from mutuals.kit.db.request import Transaction
from mutuals.kit.errors import InvalidJson, documented
from mutuals.kit.http.errors import validation_errors_as
from mutuals.kit.http.responses import JsonBody
from mutuals.kit.http.routes import DeclaredRouter
from mutuals.kit.ids import IdPath, parse_id
from mutuals.kit.ratelimit import RateLimitExceededError
from mutuals.projects.errors import InvalidProjectId, ProjectNotFound
from mutuals.users import service
from mutuals.users.errors import (
    DuplicateEmail,
    DuplicateUsername,
    InvalidUserParams,
    UserForbidden,
    UserNotFound,
)
from mutuals.users.schemas import AuthUser, ProfileFields, User

router = DeclaredRouter(
    tags=["users"], route_class=validation_errors_as(InvalidUserParams, base=IdempotentRoute)
)

COMMON = (
    InvalidProjectId,
    InvalidUserParams,
    ProjectNotFound,
    UserNotFound,
    RateLimitExceededError,
)


@router.declare(
    "GET",
    "/users/{userId}",
    "A user's profile (AuthUser for the caller's own record)",
    documented(AuthUser | User, CredentialRejectedError, *COMMON),
)
async def get_user(
    userId: IdPath,  # noqa: N803 - the Replyke path parameter name
    visitor: PublicVisitor,
    connection: Transaction,
) -> JsonBody:
    return JsonBody(
        await service.get_profile(
            connection, visitor.project_id, parse_id(userId, InvalidUserParams), visitor.user_id
        )
    )


@router.declare(
    "PATCH",
    "/users/{userId}",
    "Update a profile (the user themself, or the project's service key)",
    documented(
        AuthUser,
        CredentialMissingError,
        CredentialRejectedError,
        UserForbidden,
        DuplicateUsername,
        DuplicateEmail,
        InvalidJson,
        *COMMON,
    ),
)
async def update_user(
    userId: IdPath,  # noqa: N803 - the Replyke path parameter name
    body: ProfileFields,
    visitor: PublicVisitor,
    connection: Transaction,
) -> JsonBody:
    user_id = parse_id(userId, InvalidUserParams)
    if visitor.caller is None:
        raise CredentialMissingError()
    if not visitor.is_service and visitor.user_id != user_id:
        raise UserForbidden()
    return JsonBody(
        await service.update_profile(
            connection,
            visitor.project_id,
            user_id,
            body.model_dump(exclude_unset=True),
            visitor.user_id,
        )
    )
