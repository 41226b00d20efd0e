"""Sign-up, sign-in, refresh, sign-out and external users (API.md §3).

On a client without a service key these calls keep the session's tokens: every later call
is made as that user, and the access token is refreshed by itself when it expires.
"""

from typing import Any

from mutuals_client._core import Call, Mode, Resource, Route, endpoint, no_content, present
from mutuals_client.models import AuthSession, decode

REFRESH = Route("POST", "/auth/request-new-access-token", "identity")


def _session(body: Any) -> AuthSession:
    return decode(AuthSession, body)


def refresh_call(refresh_token: str | None) -> Call[AuthSession]:
    return Call(_session, body={"refreshToken": refresh_token}, tokens="keep")


class Identity(Resource[Mode]):
    @endpoint("POST", "/auth/sign-up", "identity")
    def sign_up(
        self,
        email: str,
        password: str,
        *,
        name: str | None = None,
        username: str | None = None,
        avatar: str | None = None,
        bio: str | None = None,
        metadata: dict[str, Any] | None = None,
    ) -> Call[AuthSession]:
        """Creates an account with a password and signs it in."""
        body = present(
            email=email,
            password=password,
            name=name,
            username=username,
            avatar=avatar,
            bio=bio,
            metadata=metadata,
        )
        return Call(_session, body=body, tokens="keep")

    @endpoint("POST", "/auth/sign-in", "identity")
    def sign_in(self, email: str, password: str) -> Call[AuthSession]:
        return Call(_session, body={"email": email, "password": password}, tokens="keep")

    @endpoint("POST", "/auth/verify-external-user", "identity")
    def verify_external_user(self, user_jwt: str) -> Call[AuthSession]:
        """Signs in a user of your own backend with an RS256 JWT you signed (§3.5)."""
        return Call(_session, body={"userJwt": user_jwt}, tokens="keep")

    @endpoint(REFRESH.method, REFRESH.template, REFRESH.scope)
    def refresh(self, refresh_token: str | None = None) -> Call[AuthSession]:
        """A new access token (and the rotated refresh token); the session's by default."""
        return refresh_call(refresh_token or self._stored_refresh_token())

    @endpoint("POST", "/auth/sign-out", "identity")
    def sign_out(self, refresh_token: str | None = None) -> Call[None]:
        """Revokes the refresh token's whole family and forgets the session's tokens."""
        token = refresh_token or self._stored_refresh_token()
        return Call(no_content, body={"refreshToken": token}, tokens="forget")

    def _stored_refresh_token(self) -> str | None:
        store = self._session.tokens
        tokens = store.load() if store is not None else None
        return tokens.refresh_token if tokens is not None else None
