"""Who is calling: credentials of a /v7 request, read from its Authorization header.

A request carries an access token (one user) or a service key (the project's backend,
which names the user it acts for in `actingUserId`, or the legacy `userId`).
"""

import json
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from fastapi import Request
from sqlalchemy.ext.asyncio import AsyncConnection

from mutuals.auth.errors import (
    ActingUserNotFound,
    CredentialMissingError,
    CredentialRejectedError,
)
from mutuals.auth.repository import user_exists
from mutuals.auth.tokens import TokenSigner
from mutuals.kit.db.database import Database
from mutuals.kit.db.request import READS_FROM_REPLICA
from mutuals.kit.errors import InvalidJson
from mutuals.kit.ids import parse_uuid
from mutuals.kit.timestamps import utc_now
from mutuals.projects.service_keys import (
    find_live_service_key,
    looks_like_service_key,
    record_service_key_use,
)

BODY_METHODS = frozenset({"POST", "PATCH", "PUT"})


@dataclass(frozen=True)
class Caller:
    project_id: uuid.UUID
    user_id: uuid.UUID | None
    is_service: bool


@dataclass(frozen=True)
class UserCaller:
    project_id: uuid.UUID
    user_id: uuid.UUID
    is_service: bool


async def json_body(request: Request) -> Any:
    """The parsed JSON body of a POST, PATCH or PUT (None when empty or another method).
    A malformed body is the first fault reported after the credential (API.md §1): before
    a missing acting user, and on routes that read nothing from the body but that."""
    if request.method not in BODY_METHODS:
        return None
    raw = await request.body()
    if not raw:
        return None
    try:
        return json.loads(raw)
    except (ValueError, RecursionError):
        raise InvalidJson() from None


async def _acting_user_field(request: Request) -> Any:
    names = ["actingUserId"]
    # Older server SDKs send `userId`; on paths with their own {userId} it means the other
    # user, so it is not read as the acting user there.
    if "userId" not in request.path_params:
        names.append("userId")
    body = await json_body(request)
    sources = [body] if isinstance(body, dict) else []
    sources.append(dict(request.query_params))
    for name in names:
        for source in sources:
            if source.get(name) is not None:
                return source[name]
    return None


def bearer_credential(request: Request) -> str | None:
    """The Bearer credential of the request, or None when it sends none."""
    header = request.headers.get("authorization")
    if header is None:
        return None
    scheme, _, credential = header.partition(" ")
    credential = credential.strip()
    if scheme.lower() != "bearer" or not credential:
        return None
    return credential


async def authenticate(
    request: Request, project_id: uuid.UUID, connection: AsyncConnection
) -> Caller | None:
    """The caller named by the Bearer credential; None without an Authorization header.

    A credential that is sent and fails is a bare 403 (API.md §1), on public endpoints too,
    so a client refreshes instead of silently becoming an anonymous visitor.
    """
    if "authorization" not in request.headers:
        return None
    credential = bearer_credential(request)
    if credential is None:
        # A header that carries no Bearer credential is a client mistake, not a visitor.
        raise CredentialMissingError()
    if looks_like_service_key(credential):
        header_project = request.headers.get("x-replyke-project-id")
        if header_project is not None and header_project.strip().lower() != str(project_id):
            raise CredentialRejectedError()
        if not await is_service_key_request(request, project_id, connection):
            raise CredentialRejectedError()
        acting = await _acting_user_field(request)
        if acting is None:
            return Caller(project_id, None, is_service=True)
        acting_id = parse_uuid(acting)
        if acting_id is None or not await user_exists(connection, project_id, acting_id):
            raise ActingUserNotFound("Acting user not found")
        return Caller(project_id, acting_id, is_service=True)
    signer: TokenSigner = request.app.state.token_signer
    verified = signer.verify("access", credential, project_id)
    if verified is None:
        raise CredentialRejectedError()
    await json_body(request)
    return Caller(project_id, verified.user_id, is_service=False)


async def is_service_key_request(
    request: Request, project_id: uuid.UUID, connection: AsyncConnection
) -> bool:
    """Whether the request carries a live service key of this project (memoised per request)."""
    cached = getattr(request.state, "service_key_checked", None)
    if cached is not None:
        return bool(cached)
    credential = bearer_credential(request)
    live = None
    if credential is not None and looks_like_service_key(credential):
        live = await find_live_service_key(connection, project_id, credential)
    if live is not None:
        now = utc_now()
        if live.use_unrecorded(now):
            await _record_use(request, connection, project_id, live.id, now)
    request.state.service_key_checked = live is not None
    return live is not None


async def _record_use(
    request: Request,
    connection: AsyncConnection,
    project_id: uuid.UUID,
    key_id: uuid.UUID,
    now: datetime,
) -> None:
    """In the request's own connection, unless that is the read replica, where nothing can
    be written: the primary records it then, in a statement of its own."""
    if not getattr(request.state, READS_FROM_REPLICA, False):
        await record_service_key_use(connection, project_id, key_id, now)
        return
    database: Database = request.app.state.database
    async with database.transaction(write=False) as primary:
        await record_service_key_use(primary, project_id, key_id, now)
