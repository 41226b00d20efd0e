"""Sign-up, sign-in and external users (API.md §3.1, §3.2, §3.5)."""

import uuid
from typing import Any

import jwt
from sqlalchemy.ext.asyncio import AsyncConnection

from mutuals.auth.tokens import TokenSigner
from mutuals.config import Settings
from mutuals.identity.errors import (
    ExternalProjectMismatch,
    InvalidCredentials,
    InvalidExternalToken,
    MissingKeys,
    NoUserFound,
    WrongPassword,
)
from mutuals.identity.passwords import hash_password, verify_password
from mutuals.identity.sessions import start_session
from mutuals.kit.storable import text_problem
from mutuals.projects.repository import get_external_user_public_key
from mutuals.users import rules
from mutuals.users.errors import DuplicateForeignId, InvalidProfile
from mutuals.users.repository import get_user_by
from mutuals.users.service import change_profile, create_user

EXTERNAL_ALGORITHM = "RS256"


def _required(body: dict[str, Any], field: str) -> Any:
    if body.get(field) is None:
        raise InvalidProfile(f"{field} is required", field=field)
    return body[field]


async def sign_up(
    connection: AsyncConnection,
    signer: TokenSigner,
    settings: Settings,
    project_id: uuid.UUID,
    body: dict[str, Any],
) -> dict[str, Any]:
    email = rules.normalize_email(_required(body, "email"))
    password = rules.check_password(_required(body, "password"))
    profile = rules.profile_fields(body)
    created = await create_user(
        connection,
        project_id,
        profile=profile,
        email=email,
        password_hash=await hash_password(password),
        auth_methods=["password"],
        self_service=True,
    )
    return await start_session(connection, signer, settings, project_id, uuid.UUID(created["id"]))


async def sign_in(
    connection: AsyncConnection,
    signer: TokenSigner,
    settings: Settings,
    project_id: uuid.UUID,
    body: dict[str, Any],
) -> dict[str, Any]:
    email = rules.normalize_email(_required(body, "email"))
    password = rules.string_field(_required(body, "password"), "password")
    user = await get_user_by(connection, project_id, "email", email)
    if user is None:
        await verify_password(None, password)  # same cost as a real check
        raise NoUserFound()
    if user["password_hash"] is None:
        raise InvalidCredentials()
    if not await verify_password(user["password_hash"], password):
        raise WrongPassword()
    return await start_session(connection, signer, settings, project_id, user["id"])


def _external_claims(token: Any, public_key_pem: str, project_id: uuid.UUID) -> dict[str, Any]:
    if not isinstance(token, str) or not token:
        raise InvalidProfile("userJwt is required", field="userJwt")
    rules.string_field(token, "userJwt")
    try:
        # Only RS256: an HS256 token "signed" with the public key (key confusion), `none`,
        # or any other algorithm is refused before the signature is even looked at.
        claims: dict[str, Any] = jwt.decode(
            token,
            public_key_pem,
            algorithms=[EXTERNAL_ALGORITHM],
            options={"require": ["sub", "exp"], "verify_aud": False},
        )
    except jwt.PyJWTError:
        raise InvalidExternalToken() from None
    if claims.get("iss") != str(project_id):
        raise ExternalProjectMismatch()
    subject = claims["sub"]
    if (
        not isinstance(subject, str | int)
        or not str(subject)
        or len(str(subject)) > 255
        or text_problem(str(subject)) is not None
    ):
        raise InvalidExternalToken()
    return claims


async def verify_external_user(
    connection: AsyncConnection,
    signer: TokenSigner,
    settings: Settings,
    project_id: uuid.UUID,
    user_jwt: Any,
) -> dict[str, Any]:
    public_key = await get_external_user_public_key(connection, project_id)
    if public_key is None:
        raise MissingKeys()
    claims = _external_claims(user_jwt, public_key, project_id)
    foreign_id = str(claims["sub"])
    user_data = claims.get("userData") or {}
    if not isinstance(user_data, dict):
        raise InvalidExternalToken()
    values = rules.profile_fields(user_data)
    if user_data.get("email") is not None:
        values["email"] = rules.normalize_email(user_data["email"])

    existing = await get_user_by(connection, project_id, "foreign_id", foreign_id)
    if existing is None:
        try:
            created = await create_user(
                connection,
                project_id,
                profile={k: v for k, v in values.items() if k != "email"},
                email=values.get("email"),
                foreign_id=foreign_id,
                auth_methods=["external"],
                self_service=True,
            )
            return await start_session(
                connection, signer, settings, project_id, uuid.UUID(created["id"])
            )
        except DuplicateForeignId:
            # A concurrent first sighting created the user; carry on as an update.
            existing = await get_user_by(connection, project_id, "foreign_id", foreign_id)
            if existing is None:
                raise
    changed = {key: value for key, value in values.items() if existing[key] != value}
    methods = list(existing["auth_methods"])
    if "external" not in methods:
        changed["auth_methods"] = [*methods, "external"]
    if changed:
        await change_profile(connection, project_id, existing["id"], changed, existing["id"])
    return await start_session(connection, signer, settings, project_id, existing["id"])
