"""Users (API.md §3.6) and finding them (§12)."""

import json
from typing import Any

from mutuals_client._core import UNSET, Call, Mode, Resource, Unset, changes, endpoint, present
from mutuals_client.models import SearchHit, User, decode_user


def _users(body: Any) -> list[User]:
    return [decode_user(item) for item in body]


def _available(body: Any) -> bool:
    return bool(body["available"])


def _hits(body: Any) -> list[SearchHit]:
    return [SearchHit(hit["similarity"], decode_user(hit["record"])) for hit in body]


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

    @endpoint("GET", "/users/by-foreign-id", "public")
    def by_foreign_id(
        self,
        foreign_id: str,
        *,
        create_if_not_found: bool = False,
        name: str | None = None,
        username: str | None = None,
        avatar: str | None = None,
        bio: str | None = None,
        metadata: dict[str, Any] | None = None,
    ) -> Call[User]:
        """A user by the app's own id for them. With the service key and
        `create_if_not_found=True`, the user is created (with the profile given) when
        absent; concurrent creations make one user."""
        query: dict[str, Any] = {"foreignId": foreign_id}
        if create_if_not_found:
            query |= {"createIfNotFound": "true"} | present(
                name=name, username=username, avatar=avatar, bio=bio
            )
            if metadata is not None:
                query["metadata"] = json.dumps(metadata)
        return Call(decode_user, query=query)

    @endpoint("GET", "/users/by-username", "public")
    def by_username(self, username: str) -> Call[User]:
        """A user by username (any case; a leading @ is ignored)."""
        return Call(decode_user, query={"username": username})

    @endpoint("GET", "/users/check-username", "public")
    def check_username(self, username: str) -> Call[bool]:
        """Whether `username` is free to take."""
        return Call(_available, query={"username": username})

    @endpoint("GET", "/users/suggestions", "public")
    def suggestions(self, query: str, *, limit: int | None = None) -> Call[list[User]]:
        """Autocomplete: users whose username or a word of whose name starts with `query`,
        the people the caller knows first."""
        return Call(_users, query={"query": query, "limit": limit})

    @endpoint("POST", "/search/users", "public")
    def search(self, query: str, *, limit: int | None = None) -> Call[list[SearchHit]]:
        """Typo-tolerant search of usernames and names, most similar first."""
        return Call(_hits, body=present(query=query, limit=limit))
