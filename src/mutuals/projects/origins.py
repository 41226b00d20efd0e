"""Web origins a project allows (API.md §11): `scheme://host[:port]` or `*`.

Stored in the form browsers send in their `Origin` header (lowercase, no default port),
so a request's origin is allowed by plain string equality.
"""

import re
import uuid

from mutuals.kit.db.database import Database
from mutuals.kit.http.cors import ANY_ORIGIN
from mutuals.projects.repository import get_allowed_origins

_ORIGIN = re.compile(
    r"(?P<scheme>[a-z][a-z0-9+.\-]*)://"
    r"(?P<host>\[[0-9a-f:.]+\]|[a-z0-9](?:[a-z0-9\-.]*[a-z0-9])?)"
    r"(?::(?P<port>[0-9]{1,5}))?"
)
_DEFAULT_PORTS = {"http": 80, "https": 443}


def normalize_origin(raw: str) -> str:
    """The origin as a browser serialises it, or ValueError naming what is wrong."""
    candidate = raw.strip().lower()
    if candidate == ANY_ORIGIN:
        return ANY_ORIGIN
    match = _ORIGIN.fullmatch(candidate)
    if match is None:
        raise ValueError(f"{raw!r} is not an origin: write scheme://host[:port] or *")
    scheme, host, port = match["scheme"], match["host"], match["port"]
    if port is not None:
        number = int(port)
        if not 0 < number < 65536:
            raise ValueError(f"{raw!r} has an invalid port")
        if _DEFAULT_PORTS.get(scheme) == number:
            port = None
    return f"{scheme}://{host}" + (f":{int(port)}" if port is not None else "")


def normalize_origins(raws: list[str]) -> list[str]:
    normalized: list[str] = []
    for raw in raws:
        origin = normalize_origin(raw)
        if origin not in normalized:
            normalized.append(origin)
    return normalized


async def stored_origins(database: Database, project_id: uuid.UUID) -> list[str]:
    """The origins the project allows, as `mutuals project set-origins` stored them."""
    async with database.transaction(write=False) as connection:
        return await get_allowed_origins(connection, project_id)
