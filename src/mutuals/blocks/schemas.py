"""Bodies of §7, built from rows without ORM objects."""

from typing import Any, Literal

from pydantic import BaseModel, Field
from sqlalchemy import RowMapping

from mutuals.kit.pagination import ListPagination
from mutuals.kit.timestamps import to_iso
from mutuals.users.schemas import User, public_user


class Block(BaseModel):
    id: str
    blocker_id: str = Field(alias="blockerId")
    blocked_id: str = Field(alias="blockedId")
    created_at: str = Field(alias="createdAt")


class Blocking(BaseModel):
    blocked: Literal[True]
    block_id: str = Field(alias="blockId")
    created_at: str = Field(alias="createdAt")


class NotBlocking(BaseModel):
    blocked: Literal[False]


class BlockItem(BaseModel):
    id: str
    blocked_user: User = Field(alias="blockedUser")
    created_at: str = Field(alias="createdAt")


class BlockPage(BaseModel):
    data: list[BlockItem]
    pagination: ListPagination


def block_body(row: RowMapping) -> dict[str, Any]:
    return {
        "id": str(row["id"]),
        "blockerId": str(row["blocker_id"]),
        "blockedId": str(row["blocked_id"]),
        "createdAt": to_iso(row["created_at"]),
    }


def block_item(row: RowMapping) -> dict[str, Any]:
    return {
        "id": str(row["block_id"]),
        "blockedUser": public_user(row, prefix="user_"),
        "createdAt": to_iso(row["created_at"]),
    }
