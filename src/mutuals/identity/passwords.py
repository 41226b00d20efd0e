"""Password hashing with argon2id, off the event loop (hashing is deliberately slow)."""

import asyncio

from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError

# RFC 9106's second recommended option: argon2id, 3 passes over 64 MiB, 4 lanes.
HASHER = PasswordHasher(
    time_cost=3, memory_cost=64 * 1024, parallelism=4, hash_len=32, salt_len=16, type=Type.ID
)
# Verified against when the email is unknown, so both answers take as long.
_DUMMY_HASH = HASHER.hash("mutuals-timing-equaliser")


async def hash_password(password: str) -> str:
    return await asyncio.to_thread(HASHER.hash, password)


async def verify_password(password_hash: str | None, password: str) -> bool:
    def verify() -> bool:
        try:
            return HASHER.verify(password_hash or _DUMMY_HASH, password)
        except (VerificationError, InvalidHashError):
            return False

    matched = await asyncio.to_thread(verify)
    return matched and password_hash is not None
