"""Blocks (API.md §7): one-way and silent; blocking severs follows and connections."""

from typing import Any

from mutuals_client._core import Call, ListCall, Mode, Resource, endpoint, listing, no_content
from mutuals_client.models import Block, BlockedUser, BlockStatus, decode


def _blocked(body: Any) -> BlockedUser:
    return decode(BlockedUser, body)


class Blocks(Resource[Mode]):
    @endpoint("POST", "/users/{userId}/block")
    def block(self, user_id: str, *, idempotency_key: str | None = None) -> Call[Block]:
        """Blocks `user_id` (idempotent: blocking again answers the existing block)."""
        return Call(
            lambda raw: decode(Block, raw),
            path={"userId": user_id},
            body={},
            idempotency_key=idempotency_key,
        )

    @endpoint("DELETE", "/users/{userId}/block")
    def unblock(self, user_id: str, *, idempotency_key: str | None = None) -> Call[None]:
        return Call(no_content, path={"userId": user_id}, idempotency_key=idempotency_key)

    @endpoint("GET", "/users/{userId}/block")
    def status(self, user_id: str) -> Call[BlockStatus]:
        """Whether the caller blocks `user_id` (never whether `user_id` blocks the caller)."""
        return Call(lambda raw: decode(BlockStatus, raw), path={"userId": user_id})

    @listing("/blocks")
    def mine(self, *, page_size: int | None = None) -> ListCall[BlockedUser]:
        return ListCall(_blocked, page_size=page_size)
