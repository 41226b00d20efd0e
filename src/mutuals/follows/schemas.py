"""Bodies of §6, built from rows without ORM objects."""

from typing import Any, Literal

from pydantic import BaseModel, Field

from mutuals.kit.db.prepared import Row
from mutuals.kit.pagination import ListPagination
from mutuals.kit.timestamps import to_iso
from mutuals.users.schemas import User, public_user

Direction = Literal["followers", "following"]


class Follow(BaseModel):
    id: str
    follower_id: str = Field(alias="followerId")
    followed_id: str = Field(alias="followedId")
    created_at: str = Field(alias="createdAt")


class Following(BaseModel):
    is_following: Literal[True] = Field(alias="isFollowing")
    follow_id: str = Field(alias="followId")
    followed_at: str = Field(alias="followedAt")


class NotFollowing(BaseModel):
    is_following: Literal[False] = Field(alias="isFollowing")


class FollowItem(BaseModel):
    follow_id: str = Field(alias="followId")
    user: User
    followed_at: str = Field(alias="followedAt")


class FollowPage(BaseModel):
    data: list[FollowItem]
    pagination: ListPagination


def follow_body(row: Row) -> dict[str, Any]:
    return {
        "id": str(row["id"]),
        "followerId": str(row["follower_id"]),
        "followedId": str(row["followed_id"]),
        "createdAt": to_iso(row["created_at"]),
    }


def follow_item(row: Row) -> dict[str, Any]:
    return {
        "followId": str(row["follow_id"]),
        "user": public_user(row, prefix="user_"),
        "followedAt": to_iso(row["followed_at"]),
    }
