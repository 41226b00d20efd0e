import uuid
from datetime import datetime

from sqlalchemy import RowMapping, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from mutuals.models import projects, users


async def insert_project(
    connection: AsyncConnection, project_id: uuid.UUID, name: str, created_at: datetime
) -> None:
    await connection.execute(
        insert(projects).values(id=project_id, name=name, created_at=created_at)
    )


async def project_exists(connection: AsyncConnection, project_id: uuid.UUID) -> bool:
    found = await connection.scalar(select(projects.c.id).where(projects.c.id == project_id))
    return found is not None


async def list_projects(connection: AsyncConnection) -> list[RowMapping]:
    """Every project, oldest first, with how many users it has."""
    user_count = (
        select(func.count())
        .select_from(users)
        .where(users.c.project_id == projects.c.id)
        .scalar_subquery()
    )
    rows = await connection.execute(
        select(
            projects.c.id, projects.c.name, projects.c.created_at, user_count.label("users")
        ).order_by(projects.c.created_at, projects.c.id)
    )
    return list(rows.mappings())


async def find_project_by_name(connection: AsyncConnection, name: str) -> uuid.UUID | None:
    return await connection.scalar(
        select(projects.c.id).where(projects.c.name == name).order_by(projects.c.created_at)
    )


async def set_external_user_public_key(
    connection: AsyncConnection, project_id: uuid.UUID, public_key_pem: str
) -> bool:
    result = await connection.execute(
        update(projects)
        .where(projects.c.id == project_id)
        .values(external_user_public_key=public_key_pem)
    )
    return result.rowcount == 1


async def get_external_user_public_key(
    connection: AsyncConnection, project_id: uuid.UUID
) -> str | None:
    return await connection.scalar(
        select(projects.c.external_user_public_key).where(projects.c.id == project_id)
    )


async def set_allowed_origins(
    connection: AsyncConnection, project_id: uuid.UUID, origins: list[str]
) -> bool:
    result = await connection.execute(
        update(projects).where(projects.c.id == project_id).values(allowed_origins=origins)
    )
    return result.rowcount == 1


async def get_allowed_origins(connection: AsyncConnection, project_id: uuid.UUID) -> list[str]:
    origins = await connection.scalar(
        select(projects.c.allowed_origins).where(projects.c.id == project_id)
    )
    return list(origins) if isinstance(origins, list) else []
