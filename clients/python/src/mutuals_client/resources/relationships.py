"""Relationships and discovery (API.md §8)."""

from collections.abc import Iterable
from typing import Any

from mutuals_client._core import Call, ListCall, Mode, Resource, endpoint, listing, no_content
from mutuals_client.models import Relationship, Suggestion, User, decode, decode_user

MAX_IDS = 100


def _relationships(body: Any) -> list[Relationship]:
    return [decode(Relationship, item) for item in body["data"]]


def _suggestions(body: Any) -> list[Suggestion]:
    return [decode(Suggestion, item) for item in body["data"]]


def _listed_user(body: Any) -> User:
    return decode_user(body["user"])


class Relationships(Resource[Mode]):
    @endpoint("GET", "/relationships")
    def batch(self, user_ids: Iterable[str]) -> Call[list[Relationship]]:
        """How the caller relates to each of up to 100 users, in the order given."""
        ids = list(user_ids)
        if not 1 <= len(ids) <= MAX_IDS:
            raise ValueError(f"between 1 and {MAX_IDS} user ids, not {len(ids)}")
        return Call(_relationships, query={"ids": ",".join(ids)})

    @listing("/users/{userId}/mutual-connections")
    def mutual_connections(self, user_id: str, *, page_size: int | None = None) -> ListCall[User]:
        """The caller's connections who are also connected to `user_id`."""
        return ListCall(_listed_user, {"userId": user_id}, page_size=page_size)

    @listing("/users/{userId}/known-followers")
    def known_followers(self, user_id: str, *, page_size: int | None = None) -> ListCall[User]:
        """Followers of `user_id` whom the caller follows."""
        return ListCall(_listed_user, {"userId": user_id}, page_size=page_size)

    @endpoint("GET", "/connections/suggestions")
    def suggestions(self, *, limit: int | None = None) -> Call[list[Suggestion]]:
        """People the caller may know, most mutual connections first."""
        return Call(_suggestions, query={"limit": limit})

    @endpoint("DELETE", "/connections/suggestions/{userId}")
    def dismiss_suggestion(self, user_id: str, *, idempotency_key: str | None = None) -> Call[None]:
        return Call(no_content, path={"userId": user_id}, idempotency_key=idempotency_key)
