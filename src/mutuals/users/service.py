import uuid
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from mutuals.ids import new_id
from mutuals.timestamps import utc_now
from mutuals.users import repository
from mutuals.users.errors import DuplicateEmail, DuplicateUsername, UserNotFound
from mutuals.users.schemas import auth_user, public_user


async def create_user(
    connection: AsyncConnection,
    project_id: uuid.UUID,
    *,
    profile: dict[str, Any],
    email: str | None = None,
    password_hash: str | None = None,
    foreign_id: str | None = None,
    auth_methods: list[str],
) -> dict[str, Any]:
    """Insert a user whose fields were already checked by `rules`; returns its AuthUser."""
    now = utc_now()
    values: dict[str, Any] = {
        "project_id": project_id,
        "id": new_id(),
        "foreign_id": foreign_id,
        "email": email,
        "password_hash": password_hash,
        "name": None,
        "username": None,
        "avatar": None,
        "bio": None,
        "metadata": {},
        "reputation": 0,
        "is_verified": False,
        "is_active": True,
        "auth_methods": auth_methods,
        "connections_count": 0,
        "created_at": now,
        "updated_at": now,
        **profile,
    }
    await _insert_reporting_duplicates(connection, project_id, values)
    row = await repository.get_user(connection, project_id, values["id"])
    if row is None:  # pragma: no cover - the row was inserted in this transaction
        raise UserNotFound()
    return auth_user(row)


async def _insert_reporting_duplicates(
    connection: AsyncConnection, project_id: uuid.UUID, values: dict[str, Any]
) -> None:
    # The unique constraints decide; the savepoint keeps the request's transaction usable
    # so we can tell the client which field collided.
    try:
        async with connection.begin_nested():
            await repository.insert_user(connection, values)
    except IntegrityError:
        email, username = values.get("email"), values.get("username")
        if email and await repository.find_user_id_by(connection, project_id, "email", email):
            raise DuplicateEmail(field="email") from None
        if username and await repository.find_user_id_by(
            connection, project_id, "username", username
        ):
            raise DuplicateUsername(field="username") from None
        raise


async def get_profile(
    connection: AsyncConnection,
    project_id: uuid.UUID,
    user_id: uuid.UUID,
    caller_user_id: uuid.UUID | None,
) -> dict[str, Any]:
    row = await repository.get_user(connection, project_id, user_id)
    if row is None:
        raise UserNotFound()
    return auth_user(row) if caller_user_id == user_id else public_user(row)


async def get_or_create_demo_user(
    connection: AsyncConnection, project_id: uuid.UUID, username: str
) -> str:
    existing = await repository.find_user_id_by(connection, project_id, "username", username)
    if existing is not None:
        return str(existing)
    created = await create_user(
        connection,
        project_id,
        profile={"username": username, "name": username.title()},
        auth_methods=[],
    )
    return str(created["id"])
