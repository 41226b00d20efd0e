from typing import Any

from pydantic import BaseModel, Field

from mutuals.kit.http.bodies import RequestBody
from mutuals.users.schemas import AuthUser


class ProfileFields(RequestBody):
    # Unknown fields (role, reputation, projectId, …) are ignored, never applied.

    name: str | None = Field(default=None, max_length=100)
    username: str | None = Field(default=None, description="3-30 of a-z 0-9 _ . -")
    avatar: str | None = None
    bio: str | None = Field(default=None, max_length=300)
    metadata: dict[str, Any] | None = Field(default=None, description="At most 10 KB")


class SignUpBody(ProfileFields):
    email: str
    password: str = Field(description="8-128 characters")


class SignInBody(RequestBody):
    email: str
    password: str


class RefreshBody(RequestBody):
    refreshToken: str | None = None  # noqa: N815 - the wire name


class ExternalUserBody(RequestBody):
    userJwt: str  # noqa: N815 - the wire name


class Session(BaseModel):
    success: bool
    access_token: str = Field(alias="accessToken")
    refresh_token: str = Field(alias="refreshToken")
    user: AuthUser


class NoSession(BaseModel):
    user: None
    access_token: None = Field(alias="accessToken")
