"""Follows (API.md §6): one-way, no consent; lists and counts for anyone and for the caller."""

from typing import Any

from mutuals_client._core import Call, ListCall, Mode, Resource, endpoint, listing, no_content
from mutuals_client.models import Follow, FollowEdge, FollowStatus, decode
from mutuals_client.resources.connections import SearchField, count, search


def _edge(body: Any) -> FollowEdge:
    return decode(FollowEdge, body)


class Follows(Resource[Mode]):
    @endpoint("POST", "/users/{userId}/follow")
    def follow(self, user_id: str, *, idempotency_key: str | None = None) -> Call[Follow]:
        return Call(
            lambda raw: decode(Follow, raw),
            path={"userId": user_id},
            body={},
            idempotency_key=idempotency_key,
        )

    @endpoint("GET", "/users/{userId}/follow")
    def status(self, user_id: str) -> Call[FollowStatus]:
        return Call(lambda raw: decode(FollowStatus, raw), path={"userId": user_id})

    @endpoint("DELETE", "/users/{userId}/follow")
    def unfollow(self, user_id: str, *, idempotency_key: str | None = None) -> Call[None]:
        return Call(no_content, path={"userId": user_id}, idempotency_key=idempotency_key)

    @endpoint("DELETE", "/follows/{followId}")
    def unfollow_by_id(self, follow_id: str, *, idempotency_key: str | None = None) -> Call[None]:
        return Call(no_content, path={"followId": follow_id}, idempotency_key=idempotency_key)

    @listing("/users/{userId}/followers", "public")
    def followers(
        self,
        user_id: str,
        *,
        query: str | None = None,
        search_fields: SearchField | None = None,
        page_size: int | None = None,
    ) -> ListCall[FollowEdge]:
        """Who follows `user_id`, newest first."""
        return ListCall(_edge, {"userId": user_id}, search(query, search_fields), page_size)

    @listing("/users/{userId}/following", "public")
    def following(
        self,
        user_id: str,
        *,
        query: str | None = None,
        search_fields: SearchField | None = None,
        page_size: int | None = None,
    ) -> ListCall[FollowEdge]:
        """Whom `user_id` follows, newest first."""
        return ListCall(_edge, {"userId": user_id}, search(query, search_fields), page_size)

    @endpoint("GET", "/users/{userId}/followers-count", "public")
    def followers_count(self, user_id: str) -> Call[int]:
        return Call(count, path={"userId": user_id})

    @endpoint("GET", "/users/{userId}/following-count", "public")
    def following_count(self, user_id: str) -> Call[int]:
        return Call(count, path={"userId": user_id})

    @listing("/follows/followers")
    def my_followers(
        self,
        *,
        query: str | None = None,
        search_fields: SearchField | None = None,
        page_size: int | None = None,
    ) -> ListCall[FollowEdge]:
        return ListCall(_edge, {}, search(query, search_fields), page_size)

    @listing("/follows/following")
    def my_following(
        self,
        *,
        query: str | None = None,
        search_fields: SearchField | None = None,
        page_size: int | None = None,
    ) -> ListCall[FollowEdge]:
        return ListCall(_edge, {}, search(query, search_fields), page_size)

    @endpoint("GET", "/follows/followers-count")
    def my_followers_count(self) -> Call[int]:
        return Call(count)

    @endpoint("GET", "/follows/following-count")
    def my_following_count(self) -> Call[int]:
        return Call(count)
