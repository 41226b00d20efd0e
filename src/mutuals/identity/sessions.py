"""Sessions: an access token plus a rotating refresh token (API.md §3.3, §3.4).

Refresh tokens come in families. Each use rotates the token: one conditional UPDATE marks
it used and names its successor, so of two concurrent refreshes exactly one rotates and
the other, inside the grace window, is handed the same successor. A used token shown
again after the window means it was stolen or replayed: the whole family is revoked.
"""

import uuid
from datetime import timedelta
from typing import Any

from sqlalchemy import RowMapping
from sqlalchemy.ext.asyncio import AsyncConnection

from mutuals.auth.tokens import TokenSigner
from mutuals.config import Settings
from mutuals.identity import refresh_tokens
from mutuals.identity.errors import (
    InvalidAuthBody,
    RefreshTokenMalformed,
    RefreshTokenMismatch,
    RefreshTokenProjectMismatch,
    RefreshUserNotFound,
    TokenReuseDetected,
)
from mutuals.kit.errors import AppError
from mutuals.kit.ids import new_id, parse_uuid
from mutuals.kit.storable import text_problem
from mutuals.kit.timestamps import utc_now
from mutuals.users.repository import update_user
from mutuals.users.schemas import auth_user

# A grace-window replay may find the successor already rotated by a fast client; we
# follow the chain to its live end, but never far.
MAX_SUCCESSOR_HOPS = 8


def _refresh_jwt(
    signer: TokenSigner, project_id: uuid.UUID, record: RowMapping | dict[str, Any]
) -> str:
    return signer.issue(
        "refresh",
        project_id,
        record["user_id"],
        token_id=record["id"],
        extra_claims={
            "fam": str(record["family_id"]),
            "exp": int(record["expires_at"].timestamp()),
        },
    )


async def _touch_user(
    connection: AsyncConnection, project_id: uuid.UUID, user_id: uuid.UUID
) -> RowMapping:
    row = await update_user(connection, project_id, user_id, {"last_active": utc_now()})
    if row is None:
        raise RefreshUserNotFound()
    return row


async def start_session(
    connection: AsyncConnection,
    signer: TokenSigner,
    settings: Settings,
    project_id: uuid.UUID,
    user_id: uuid.UUID,
    *,
    token_id: uuid.UUID | None = None,
    family_id: uuid.UUID | None = None,
    parent_id: uuid.UUID | None = None,
) -> dict[str, Any]:
    user = await _touch_user(connection, project_id, user_id)
    now = utc_now()
    token_id = token_id or new_id()
    family_id = family_id or new_id()
    expires_at = now + timedelta(seconds=settings.refresh_token_ttl_seconds)
    await refresh_tokens.insert_token(
        connection, project_id, token_id, family_id, user_id, parent_id, now, expires_at
    )
    record = {
        "id": token_id,
        "family_id": family_id,
        "user_id": user_id,
        "expires_at": expires_at,
    }
    return {
        "success": True,
        "accessToken": signer.issue("access", project_id, user_id),
        "refreshToken": _refresh_jwt(signer, project_id, record),
        "user": auth_user(user),
    }


async def refresh_session(
    connection: AsyncConnection,
    signer: TokenSigner,
    settings: Settings,
    project_id: uuid.UUID,
    token: str | None,
) -> dict[str, Any] | AppError:
    """The new session, or the reuse error to answer *after* committing the revocation."""
    if not token:
        return {"user": None, "accessToken": None}
    problem = text_problem(token)
    if problem is not None:
        raise InvalidAuthBody(f"refreshToken {problem}", field="refreshToken")
    claimed = TokenSigner.claimed_project(token)
    if claimed is not None and claimed != str(project_id):
        raise RefreshTokenProjectMismatch()
    verified = signer.verify("refresh", token, project_id)
    family_id = parse_uuid(verified.claims.get("fam")) if verified else None
    if verified is None or verified.token_id is None or family_id is None:
        raise RefreshTokenMalformed()

    now = utc_now()
    successor_id = new_id()
    rotated = await refresh_tokens.claim_rotation(
        connection, project_id, verified.token_id, successor_id, now
    )
    if rotated is not None:
        return await start_session(
            connection,
            signer,
            settings,
            project_id,
            rotated["user_id"],
            token_id=successor_id,
            family_id=rotated["family_id"],
            parent_id=verified.token_id,
        )

    record = await refresh_tokens.find_token(connection, project_id, verified.token_id)
    if record is None:
        raise RefreshTokenMismatch()
    if record["revoked_at"] is not None:
        return TokenReuseDetected()
    if record["rotated_at"] is None:  # live but expired in the table
        raise RefreshTokenMalformed()
    if now - record["rotated_at"] > timedelta(seconds=settings.refresh_reuse_grace_seconds):
        await refresh_tokens.revoke_family(connection, project_id, record["family_id"], now)
        return TokenReuseDetected()
    return await _successor_session(connection, signer, project_id, record)


async def _successor_session(
    connection: AsyncConnection, signer: TokenSigner, project_id: uuid.UUID, record: RowMapping
) -> dict[str, Any] | AppError:
    """Inside the grace window: the session of the token's live successor."""
    tip = record
    for _ in range(MAX_SUCCESSOR_HOPS):
        if tip["successor_id"] is None:
            break
        following = await refresh_tokens.find_token(connection, project_id, tip["successor_id"])
        if following is None:
            break
        tip = following
    if tip["revoked_at"] is not None or tip["rotated_at"] is not None:
        return TokenReuseDetected()
    user = await _touch_user(connection, project_id, tip["user_id"])
    return {
        "success": True,
        "accessToken": signer.issue("access", project_id, tip["user_id"]),
        "refreshToken": _refresh_jwt(signer, project_id, tip),
        "user": auth_user(user),
    }


async def end_session(
    connection: AsyncConnection, signer: TokenSigner, project_id: uuid.UUID, token: str | None
) -> None:
    """Revokes the token's family; an unknown or invalid token is simply ignored."""
    if not token:
        return
    verified = signer.verify("refresh", token, project_id)
    family_id = parse_uuid(verified.claims.get("fam")) if verified else None
    if family_id is not None:
        await refresh_tokens.revoke_family(connection, project_id, family_id, utc_now())
