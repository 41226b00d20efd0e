"""JWTs signed by this service: access tokens (and refresh tokens, see identity).

Each project signs with its own key derived from the deployment secret, so a token of
project A cannot even verify on project B; the `pid` claim is checked as well.
Verification names the one algorithm it accepts.
"""

import hashlib
import hmac
import time
import uuid
from dataclasses import dataclass
from typing import Any, Literal

import jwt

from mutuals.config import Settings
from mutuals.kit.ids import new_id, parse_uuid

ALGORITHM = "HS256"
VERIFIED_CACHE_SIZE = 50_000
TokenKind = Literal["access", "refresh"]


@dataclass(frozen=True)
class VerifiedToken:
    project_id: uuid.UUID
    user_id: uuid.UUID
    token_id: uuid.UUID | None
    claims: dict[str, Any]


class TokenSigner:
    def __init__(self, secret: bytes, access_ttl_seconds: int, refresh_ttl_seconds: int) -> None:
        self._secret = secret
        self._ttl: dict[TokenKind, int] = {
            "access": access_ttl_seconds,
            "refresh": refresh_ttl_seconds,
        }
        self._keys: dict[tuple[uuid.UUID, TokenKind], bytes] = {}
        # Verified access tokens, so a client's repeated calls skip the HMAC and JSON work.
        # Entries still honour `exp`; the cache is bounded and simply emptied when full.
        self._verified: dict[tuple[str, uuid.UUID], tuple[VerifiedToken, int]] = {}

    def _key(self, project_id: uuid.UUID, kind: TokenKind) -> bytes:
        cache_key = (project_id, kind)
        key = self._keys.get(cache_key)
        if key is None:
            label = f"mutuals/{kind}/".encode() + project_id.bytes
            key = hmac.new(self._secret, label, hashlib.sha256).digest()
            self._keys[cache_key] = key
        return key

    def issue(
        self,
        kind: TokenKind,
        project_id: uuid.UUID,
        user_id: uuid.UUID,
        token_id: uuid.UUID | None = None,
        extra_claims: dict[str, Any] | None = None,
    ) -> str:
        now = int(time.time())
        claims: dict[str, Any] = {
            "sub": str(user_id),
            "pid": str(project_id),
            "typ": kind,
            "iat": now,
            "exp": now + self._ttl[kind],
            "jti": str(token_id or new_id()),
        }
        if extra_claims:
            claims.update(extra_claims)
        return jwt.encode(claims, self._key(project_id, kind), algorithm=ALGORITHM)

    @classmethod
    def for_settings(cls, secret: bytes, settings: Settings) -> "TokenSigner":
        return cls(secret, settings.access_token_ttl_seconds, settings.refresh_token_ttl_seconds)

    @staticmethod
    def claimed_project(token: str) -> str | None:
        """The `pid` a token claims, unverified: only to tell "wrong project" from "garbage"."""
        try:
            claims = jwt.decode(token, options={"verify_signature": False})
        except (jwt.PyJWTError, ValueError):  # ValueError: text that is not even UTF-8
            return None
        project = claims.get("pid")
        return project if isinstance(project, str) else None

    def verify(self, kind: TokenKind, token: str, project_id: uuid.UUID) -> VerifiedToken | None:
        """The token's subject when it is a valid `kind` token of this project, else None."""
        if kind == "access":
            cached = self._verified.get((token, project_id))
            if cached is not None and cached[1] > time.time():
                return cached[0]
        verified = self._decode(kind, token, project_id)
        if verified is not None and kind == "access":
            if len(self._verified) >= VERIFIED_CACHE_SIZE:
                self._verified.clear()
            self._verified[(token, project_id)] = (verified, int(verified.claims["exp"]))
        return verified

    def _decode(self, kind: TokenKind, token: str, project_id: uuid.UUID) -> VerifiedToken | None:
        try:
            claims = jwt.decode(
                token,
                self._key(project_id, kind),
                algorithms=[ALGORITHM],
                options={"require": ["exp", "iat", "sub", "pid", "typ", "jti"]},
            )
        except (jwt.PyJWTError, ValueError):  # ValueError: text that is not even UTF-8
            return None
        user_id = parse_uuid(claims.get("sub"))
        if claims.get("typ") != kind or claims.get("pid") != str(project_id) or user_id is None:
            return None
        return VerifiedToken(project_id, user_id, parse_uuid(claims.get("jti")), claims)
