"""The identity endpoints of API.md §3 (all public: they are how credentials are obtained)."""

import json

from fastapi import Request, Response

from mutuals.auth.access import AuthProject, Project
from mutuals.auth.tokens import TokenSigner
from mutuals.config import Settings
from mutuals.identity import service, sessions
from mutuals.identity.errors import (
    ExternalProjectMismatch,
    InvalidAuthBody,
    InvalidCredentials,
    InvalidExternalToken,
    MissingKeys,
    NoUserFound,
    RefreshTokenMalformed,
    RefreshTokenMismatch,
    RefreshTokenProjectMismatch,
    TokenReuseDetected,
    WrongPassword,
)
from mutuals.identity.schemas import (
    ExternalUserBody,
    NoSession,
    RefreshBody,
    Session,
    SignInBody,
    SignUpBody,
)
from mutuals.kit.db.request import Transaction
from mutuals.kit.errors import AppError, InvalidJson, documented
from mutuals.kit.http.errors import error_response, validation_errors_as
from mutuals.kit.http.responses import JsonBody
from mutuals.kit.http.routes import DeclaredRouter
from mutuals.kit.ratelimit import RateLimitExceededError
from mutuals.projects.errors import InvalidProjectId, ProjectNotFound
from mutuals.users.errors import DuplicateEmail, DuplicateUsername

router = DeclaredRouter(
    prefix="/auth", tags=["identity"], route_class=validation_errors_as(InvalidAuthBody)
)

COMMON = (InvalidProjectId, InvalidJson, InvalidAuthBody, ProjectNotFound, RateLimitExceededError)


def _signer(request: Request) -> TokenSigner:
    signer: TokenSigner = request.app.state.token_signer
    return signer


def _settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


@router.declare(
    "POST",
    "/sign-up",
    "Create a user with email and password",
    documented(Session, DuplicateEmail, DuplicateUsername, *COMMON, status=201),
    status=201,
)
async def sign_up(
    body: SignUpBody, request: Request, project_id: AuthProject, connection: Transaction
) -> JsonBody:
    return JsonBody(
        await service.sign_up(
            connection,
            _signer(request),
            _settings(request),
            project_id,
            body.model_dump(exclude_unset=True),
        ),
        status_code=201,
    )


@router.declare(
    "POST",
    "/sign-in",
    "Sign in with email and password",
    documented(Session, NoUserFound, InvalidCredentials, WrongPassword, *COMMON),
)
async def sign_in(
    body: SignInBody, request: Request, project_id: AuthProject, connection: Transaction
) -> JsonBody:
    return JsonBody(
        await service.sign_in(
            connection, _signer(request), _settings(request), project_id, body.model_dump()
        )
    )


@router.declare(
    "POST",
    "/request-new-access-token",
    "Rotate a refresh token for a new session",
    documented(
        Session | NoSession,
        RefreshTokenMalformed,
        RefreshTokenProjectMismatch,
        RefreshTokenMismatch,
        NoUserFound,
        TokenReuseDetected,
        *COMMON,
    ),
)
async def request_new_access_token(
    request: Request,
    project_id: AuthProject,
    connection: Transaction,
    body: RefreshBody | None = None,
) -> Response:
    outcome = await sessions.refresh_session(
        connection,
        _signer(request),
        _settings(request),
        project_id,
        body.refreshToken if body else None,
    )
    if isinstance(outcome, AppError):
        # Returned, not raised: the family's revocation must commit with this answer.
        return error_response(outcome)
    return JsonBody(outcome)


@router.post(
    "/sign-out",
    status_code=204,
    response_class=Response,
    summary="Revoke a refresh token's whole family (always 204)",
    responses={204: {"description": "Signed out"}},
    openapi_extra={
        "requestBody": {
            "content": {
                "application/json": {"schema": {"$ref": "#/components/schemas/RefreshBody"}}
            }
        }
    },
)
async def sign_out(request: Request, project_id: Project, connection: Transaction) -> Response:
    # Read leniently: whatever is sent, signing out answers 204.
    try:
        body = json.loads(await request.body() or b"{}")
    except (ValueError, RecursionError):
        body = {}
    token = body.get("refreshToken") if isinstance(body, dict) else None
    if isinstance(token, str):
        await sessions.end_session(connection, _signer(request), project_id, token)
    return Response(status_code=204)


@router.declare(
    "POST",
    "/verify-external-user",
    "Sign in a user of the app's own auth with an RS256 JWT from its backend",
    documented(
        Session,
        MissingKeys,
        InvalidExternalToken,
        ExternalProjectMismatch,
        DuplicateUsername,
        DuplicateEmail,
        *COMMON,
    ),
)
async def verify_external_user(
    body: ExternalUserBody, request: Request, project_id: AuthProject, connection: Transaction
) -> JsonBody:
    return JsonBody(
        await service.verify_external_user(
            connection, _signer(request), _settings(request), project_id, body.userJwt
        )
    )
