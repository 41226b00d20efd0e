from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from mutuals.users.schemas import AuthUser


class ProfileFields(BaseModel):
    # Unknown fields (role, reputation, projectId, …) are ignored, never applied.
    model_config = ConfigDict(extra="ignore")

    name: str | None = Field(default=None, max_length=100)
    username: str | None = Field(default=None, description="3-30 of a-z 0-9 _ . -")
    avatar: str | None = None
    bio: str | None = Field(default=None, max_length=300)
    metadata: dict[str, Any] | None = Field(default=None, description="At most 10 KB")


class SignUpBody(ProfileFields):
    email: str
    password: str = Field(description="8-128 characters")


class SignInBody(BaseModel):
    model_config = ConfigDict(extra="ignore")

    email: str
    password: str


class RefreshBody(BaseModel):
    model_config = ConfigDict(extra="ignore")

    refreshToken: str | None = None  # noqa: N815 - the wire name


class ExternalUserBody(BaseModel):
    model_config = ConfigDict(extra="ignore")

    userJwt: str  # noqa: N815 - the wire name


class Session(BaseModel):
    success: bool
    access_token: str = Field(alias="accessToken")
    refresh_token: str = Field(alias="refreshToken")
    user: AuthUser


class NoSession(BaseModel):
    user: None
    access_token: None = Field(alias="accessToken")
