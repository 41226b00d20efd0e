import uuid
from typing import Any

from sqlalchemy import RowMapping
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from mutuals.kit import events
from mutuals.kit.errors import AppError
from mutuals.kit.ids import new_id
from mutuals.kit.timestamps import utc_now
from mutuals.users import repository, rules
from mutuals.users.errors import (
    DuplicateEmail,
    DuplicateForeignId,
    DuplicateUsername,
    InvalidProfile,
    InvalidUserParams,
    UserNotFound,
)
from mutuals.users.schemas import auth_user, public_user
from mutuals.visibility.filters import Viewer, hidden_from


async def create_user(
    connection: AsyncConnection,
    project_id: uuid.UUID,
    *,
    profile: dict[str, Any],
    email: str | None = None,
    password_hash: str | None = None,
    foreign_id: str | None = None,
    auth_methods: list[str],
    self_service: bool = False,
) -> dict[str, Any]:
    """Insert a user whose fields were already checked by `rules`; returns its AuthUser.
    `self_service`: the user signed up (the event's actor), rather than being created by
    the project's backend or operator."""
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
    created = auth_user(row)
    actor_id = values["id"] if self_service else None
    events.record(connection, project_id, "user.created", {"user": created}, actor_id, now)
    return created


async def _insert_reporting_duplicates(
    connection: AsyncConnection, project_id: uuid.UUID, values: dict[str, Any]
) -> None:
    # The unique constraints decide; the savepoint keeps the request's transaction usable
    # so we can tell the client which field collided.
    try:
        async with connection.begin_nested():
            await repository.insert_user(connection, values)
    except IntegrityError:
        await _raise_duplicate(connection, project_id, values, exclude=values["id"])
        raise


async def _raise_duplicate(
    connection: AsyncConnection,
    project_id: uuid.UUID,
    values: dict[str, Any],
    exclude: uuid.UUID,
) -> None:
    """Raises the 409 for whichever unique field of `values` another user already holds."""
    # The foreign id first: concurrent first sightings of one external user collide on
    # every unique field at once, and must be recognised as the same user signing in.
    checks: list[tuple[str, type[AppError]]] = [
        ("foreign_id", DuplicateForeignId),
        ("email", DuplicateEmail),
        ("username", DuplicateUsername),
    ]
    for column, error in checks:
        value = values.get(column)
        if not value:
            continue
        holder = await repository.find_user_id_by(connection, project_id, column, value)
        if holder is not None and holder != exclude:
            raise error(field=column if column != "foreign_id" else None)


async def update_user(
    connection: AsyncConnection, project_id: uuid.UUID, user_id: uuid.UUID, values: dict[str, Any]
) -> RowMapping:
    """Applies checked column values; a unique field taken by someone else is a 409."""
    try:
        async with connection.begin_nested():
            row = await repository.update_user(
                connection, project_id, user_id, {**values, "updated_at": utc_now()}
            )
    except IntegrityError:
        await _raise_duplicate(connection, project_id, values, exclude=user_id)
        raise
    if row is None:
        raise UserNotFound()
    return row


async def get_profile(
    connection: AsyncConnection,
    project_id: uuid.UUID,
    user_id: uuid.UUID,
    caller_user_id: uuid.UUID | None,
) -> dict[str, Any]:
    row = await repository.get_user(connection, project_id, user_id)
    if row is None or await hidden_from(connection, project_id, user_id, Viewer(caller_user_id)):
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


async def change_profile(
    connection: AsyncConnection,
    project_id: uuid.UUID,
    user_id: uuid.UUID,
    values: dict[str, Any],
    actor_id: uuid.UUID | None,
) -> dict[str, Any]:
    """Applies checked profile values and announces the change (user.updated)."""
    row = await update_user(connection, project_id, user_id, values)
    changed = auth_user(row)
    events.record(
        connection, project_id, "user.updated", {"user": changed}, actor_id, row["updated_at"]
    )
    return changed


async def update_profile(
    connection: AsyncConnection,
    project_id: uuid.UUID,
    user_id: uuid.UUID,
    changes: dict[str, Any],
    actor_id: uuid.UUID | None,
) -> dict[str, Any]:
    try:
        values = rules.profile_fields(changes)
    except InvalidProfile as problem:
        raise InvalidUserParams(problem.detail, field=problem.field) from None
    if not values:
        row = await repository.get_user(connection, project_id, user_id)
        if row is None:
            raise UserNotFound()
        return auth_user(row)
    return await change_profile(connection, project_id, user_id, values, actor_id)
