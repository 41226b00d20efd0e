"""Identifiers: time-ordered UUIDs (version 7) keep primary-key indexes append-mostly."""

import os
import time
import uuid
from typing import Annotated

from fastapi import Path

from mutuals.kit.errors import AppError


def new_id() -> uuid.UUID:
    unix_ms = time.time_ns() // 1_000_000
    rand_a = int.from_bytes(os.urandom(2), "big") & 0xFFF
    rand_b = int.from_bytes(os.urandom(8), "big") & ((1 << 62) - 1)
    value = (unix_ms & ((1 << 48) - 1)) << 80 | 0x7 << 76 | rand_a << 64 | 0b10 << 62 | rand_b
    return uuid.UUID(int=value)


def parse_uuid(raw: object) -> uuid.UUID | None:
    """A UUID from client input, or None when it is not one."""
    if not isinstance(raw, str) or len(raw) != 36:
        return None
    try:
        return uuid.UUID(raw)
    except ValueError:
        return None


def parse_id(raw: object, invalid: type[AppError]) -> uuid.UUID:
    """A path or query id, or the endpoint's own `invalid-…-id` error (API.md §1): the one
    place every id a client sends is read."""
    parsed = parse_uuid(raw)
    if parsed is None:
        raise invalid()
    return parsed


# Path ids are parsed by each endpoint (so a bad one answers that endpoint's own 400 code),
# but documented as UUIDs.
IdPath = Annotated[str, Path(json_schema_extra={"format": "uuid"})]


def parse_other(
    raw: object, me: uuid.UUID, invalid: type[AppError], refused: AppError | type[AppError]
) -> uuid.UUID:
    """The id of another user than `me`: `invalid` when it is no id, `refused` (the
    endpoint's self-… error) when it is `me`."""
    other = parse_id(raw, invalid)
    if other == me:
        raise refused
    return other
