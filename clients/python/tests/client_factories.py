"""Users made through the client itself, the way an app's backend makes them."""

import itertools
import uuid

from mutuals_client import AsyncClient, Client
from mutuals_client.models import AuthUser

PASSWORD = "correct horse battery"
_numbers = itertools.count(1)


def _identity() -> tuple[str, str]:
    tag = f"{next(_numbers)}{uuid.uuid4().hex[:6]}"
    return f"u{tag}@example.com", f"u{tag}"


def new_user(service: Client, name: str = "Someone") -> AuthUser:
    email, username = _identity()
    created = service.auth.sign_up(email, PASSWORD, username=username, name=name)
    assert created.user is not None
    return created.user


async def new_user_async(service: AsyncClient, name: str = "Someone") -> AuthUser:
    email, username = _identity()
    created = await service.auth.sign_up(email, PASSWORD, username=username, name=name)
    assert created.user is not None
    return created.user
