from pydantic import BaseModel, Field

from mutuals.kit.http.bodies import RequestBody
from mutuals.users.schemas import AuthUser, ProfileFields


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
