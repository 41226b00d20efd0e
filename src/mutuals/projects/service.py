import uuid
from dataclasses import dataclass

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from sqlalchemy.ext.asyncio import AsyncConnection

from mutuals.kit.ids import new_id
from mutuals.kit.timestamps import utc_now
from mutuals.projects import repository, service_keys
from mutuals.projects.errors import ProjectNotFound
from mutuals.projects.origins import normalize_origins

DEMO_PROJECT_NAME = "demo"


@dataclass(frozen=True)
class CreatedProject:
    id: uuid.UUID
    name: str
    service_key: str


async def create_project(connection: AsyncConnection, name: str) -> CreatedProject:
    name = name.strip()
    if not name or len(name) > 200:
        raise ValueError("project name must be 1 to 200 characters")
    project_id = new_id()
    await repository.insert_project(connection, project_id, name, utc_now())
    key = await service_keys.issue_service_key(connection, project_id, label="initial")
    return CreatedProject(id=project_id, name=name, service_key=key)


async def require_project(connection: AsyncConnection, project_id: uuid.UUID) -> None:
    if not await repository.project_exists(connection, project_id):
        raise ProjectNotFound()


async def demo_project(connection: AsyncConnection) -> CreatedProject:
    """The quickstart's project, created on first use, with a fresh service key each call."""
    project_id = await repository.find_project_by_name(connection, DEMO_PROJECT_NAME)
    if project_id is None:
        return await create_project(connection, DEMO_PROJECT_NAME)
    key = await service_keys.issue_service_key(connection, project_id, label="quickstart")
    return CreatedProject(id=project_id, name=DEMO_PROJECT_NAME, service_key=key)


async def set_external_user_public_key(
    connection: AsyncConnection, project_id: uuid.UUID, pem: str
) -> None:
    try:
        key = serialization.load_pem_public_key(pem.encode())
    except ValueError:
        raise ValueError("the file is not a PEM public key") from None
    if not isinstance(key, rsa.RSAPublicKey) or key.key_size < 2048:
        raise ValueError("the key must be an RSA public key of at least 2048 bits")
    if not await repository.set_external_user_public_key(connection, project_id, pem.strip()):
        raise ProjectNotFound()


async def set_allowed_origins(
    connection: AsyncConnection, project_id: uuid.UUID, origins: list[str]
) -> list[str]:
    """Replaces the project's browser origins; ValueError for one that is not an origin."""
    normalized = normalize_origins(origins)
    if not await repository.set_allowed_origins(connection, project_id, normalized):
        raise ProjectNotFound()
    return normalized
