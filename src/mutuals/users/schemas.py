"""The public `User` and the owner's `AuthUser`, built straight from table rows."""

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from mutuals.kit.db.prepared import Row
from mutuals.kit.http.bodies import RequestBody
from mutuals.kit.timestamps import to_iso, to_iso_or_none
from mutuals.models import users

# Columns a public profile is made of; queries select these and nothing private.
PUBLIC_USER_COLUMNS = (
    users.c.id,
    users.c.foreign_id,
    users.c.project_id,
    users.c.name,
    users.c.username,
    users.c.avatar,
    users.c.bio,
    users.c.metadata,
    users.c.reputation,
    users.c.created_at,
)


class User(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    id: str
    foreign_id: str | None = Field(alias="foreignId")
    project_id: str = Field(alias="projectId")
    name: str | None
    username: str | None
    avatar: str | None
    bio: str | None
    metadata: dict[str, Any]
    reputation: int
    created_at: str = Field(alias="createdAt")


class AuthUser(User):
    email: str | None
    is_verified: bool = Field(alias="isVerified")
    is_active: bool = Field(alias="isActive")
    last_active: str | None = Field(alias="lastActive")
    auth_methods: list[str] = Field(alias="authMethods")


def public_user(row: Row, prefix: str = "") -> dict[str, Any]:
    """The public profile from a row; `prefix` reads columns labelled e.g. `user_name`."""
    return {
        "id": str(row[prefix + "id"]),
        "foreignId": row[prefix + "foreign_id"],
        "projectId": str(row[prefix + "project_id"]),
        "name": row[prefix + "name"],
        "username": row[prefix + "username"],
        "avatar": row[prefix + "avatar"],
        "bio": row[prefix + "bio"],
        "metadata": row[prefix + "metadata"],
        "reputation": row[prefix + "reputation"],
        "createdAt": to_iso(row[prefix + "created_at"]),
    }


def auth_user(row: Row) -> dict[str, Any]:
    return {
        **public_user(row),
        "email": row["email"],
        "isVerified": row["is_verified"],
        "isActive": row["is_active"],
        "lastActive": to_iso_or_none(row["last_active"]),
        "authMethods": list(row["auth_methods"]),
    }


class ProfileFields(RequestBody):
    # Unknown fields (role, reputation, projectId, …) are ignored, never applied.

    name: str | None = Field(default=None, max_length=100)
    username: str | None = Field(default=None, description="3-30 of a-z 0-9 _ . -")
    avatar: str | None = None
    bio: str | None = Field(default=None, max_length=300)
    metadata: dict[str, Any] | None = Field(default=None, description="At most 10 KB")
