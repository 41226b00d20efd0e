"""Small factories: a project of one's own, users with tokens, and calls made as them."""

import itertools
import uuid
from dataclasses import dataclass, field
from typing import Any

import httpx
from fastapi import FastAPI

from mutuals.auth.tokens import TokenSigner
from mutuals.kit.db.database import Database
from mutuals.projects.service import create_project
from mutuals.users.rules import profile_fields
from mutuals.users.service import create_user
from tests import log_scan

_sequence = itertools.count(1)


@dataclass
class Member:
    id: str
    username: str
    name: str
    token: str

    @property
    def auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


@dataclass
class ProjectFactory:
    app: FastAPI
    client: httpx.AsyncClient
    id: str
    service_key: str
    users: list[Member] = field(default_factory=list)

    @classmethod
    async def create(cls, app: FastAPI, client: httpx.AsyncClient) -> "ProjectFactory":
        database: Database = app.state.database
        async with database.transaction() as connection:
            created = await create_project(connection, f"test project {next(_sequence)}")
        log_scan.remember(created.service_key)
        return cls(app, client, str(created.id), created.service_key)

    @property
    def base(self) -> str:
        return f"/v7/{self.id}"

    @property
    def service_auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.service_key}"}

    async def user(self, name: str | None = None, **profile: Any) -> Member:
        number = next(_sequence)
        username = f"user{number}"
        display = name or f"User {number}"
        database: Database = self.app.state.database
        async with database.transaction() as connection:
            created = await create_user(
                connection,
                uuid.UUID(self.id),
                profile=profile_fields({"username": username, "name": display, **profile}),
                email=f"{username}@example.com",
                auth_methods=["password"],
            )
        signer: TokenSigner = self.app.state.token_signer
        token = signer.issue("access", uuid.UUID(self.id), uuid.UUID(created["id"]))
        log_scan.remember(token)
        user = Member(created["id"], created["username"], display, token)
        self.users.append(user)
        return user

    async def call(
        self, method: str, path: str, as_user: Member | None = None, **kwargs: Any
    ) -> httpx.Response:
        headers = dict(kwargs.pop("headers", {}))
        if as_user is not None:
            headers.update(as_user.auth)
        return await self.client.request(method, self.base + path, headers=headers, **kwargs)
