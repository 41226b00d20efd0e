"""Users (API.md §3.6)."""

from typing import Any

from mutuals_client._core import UNSET, Call, Mode, Resource, Unset, changes, endpoint
from mutuals_client.models import User, decode_user


class Users(Resource[Mode]):
    @endpoint("GET", "/users/{userId}", "public")
    def get(self, user_id: str) -> Call[User]:
        """A user's public profile; the caller's own record is an `AuthUser`."""
        return Call(decode_user, path={"userId": user_id})

    @endpoint("PATCH", "/users/{userId}", "plain")
    def update(
        self,
        user_id: str,
        *,
        name: str | Unset | None = UNSET,
        username: str | Unset | None = UNSET,
        avatar: str | Unset | None = UNSET,
        bio: str | Unset | None = UNSET,
        metadata: dict[str, Any] | Unset = UNSET,
        idempotency_key: str | None = None,
    ) -> Call[User]:
        """Changes the fields given (None clears one); the caller's own or, with a service
        key, anyone's."""
        body = changes(name=name, username=username, avatar=avatar, bio=bio, metadata=metadata)
        return Call(
            decode_user, path={"userId": user_id}, body=body, idempotency_key=idempotency_key
        )
