"""Safe retries (API.md §10.1): a request sent again with its Idempotency-Key gets the first
answer back and changes nothing.

The first request's response is written in the same transaction as its effect, so the
two exist together or not at all. While that transaction runs it holds a lock on the key
(PostgreSQL: a transaction-scoped advisory lock, tried without waiting), so a twin
arriving meanwhile answers 409 instead of running the change a second time; SQLite runs
write transactions one at a time, so there the twin simply waits and then replays.
"""

import asyncio
import hashlib
import logging
import re
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from fastapi import Request, Response
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from mutuals.idempotency import repository
from mutuals.idempotency.errors import InvalidKey, KeyReused, RequestInProgress
from mutuals.kit.db.database import advisory_key
from mutuals.kit.db.request import transaction_hooks
from mutuals.kit.errors import AppError
from mutuals.kit.http.errors import error_response
from mutuals.kit.timestamps import utc_now

# Where a request keeps its Idempotency-Key claim (`request.state`).
CLAIM_STATE = "idempotency"
HEADER = "idempotency-key"
REPLAYED_HEADER = "Idempotent-Replayed"
MUTATING_METHODS = frozenset({"POST", "PATCH", "DELETE"})
KEY_PATTERN = re.compile(r"[\x20-\x7e]{1,255}")
LIFETIME = timedelta(hours=24)
logger = logging.getLogger("mutuals")


class StoredResponse(Exception):  # noqa: N818 - not an error: the answer to a retry
    """Raised instead of running a retried request; rendered as the stored response."""

    def __init__(self, status: int, body: bytes, media_type: str | None) -> None:
        super().__init__(status)
        self.status, self.body, self.media_type = status, body, media_type

    def response(self) -> Response:
        return Response(
            self.body,
            status_code=self.status,
            media_type=self.media_type,
            headers={REPLAYED_HEADER: "true"},
        )


@dataclass
class Claim:
    """A first request under a key: its response is remembered when it ends."""

    project_id: uuid.UUID
    caller: str
    key: str
    fingerprint: str
    started: datetime
    response: Response | None = field(default=None, repr=False)

    async def _remember(
        self, connection: AsyncConnection, status: int, body: bytes, media_type: str | None
    ) -> None:
        if status >= 500:  # a server error is not an answer: the retry runs again
            return
        values = {
            "project_id": self.project_id,
            "caller": self.caller,
            "key": self.key,
            "fingerprint": self.fingerprint,
            "status": status,
            "media_type": media_type,
            "body": body,
            "created_at": self.started,
        }
        await repository.remember(connection, values, self.started - LIFETIME)

    async def settle(self, connection: AsyncConnection) -> None:
        """Called in the request's transaction, after the endpoint returned, before commit."""
        if self.response is not None:
            response = self.response
            media_type = response.headers.get("content-type")
            await self._remember(connection, response.status_code, bytes(response.body), media_type)

    async def settle_error(self, connection: AsyncConnection, error: AppError) -> None:
        """A refused request (4xx) changed nothing; its answer is remembered on its own."""
        body = bytes(error_response(error).body)
        await self._remember(connection, error.status, body, "application/json")


def caller_scope(user_id: uuid.UUID | None, is_service: bool) -> str:
    return f"{'service' if is_service else 'user'}:{user_id or ''}"


def _fingerprint(request: Request, body: bytes) -> str:
    digest = hashlib.sha256()
    for part in (request.method, request.url.path, request.url.query):
        digest.update(part.encode())
        digest.update(b"\n")
    digest.update(body)
    return digest.hexdigest()


async def _try_lock(connection: AsyncConnection, claim: Claim) -> bool:
    if connection.dialect.name != "postgresql":
        return True  # SQLite's write transactions already run one at a time
    key = advisory_key(f"idempotency\n{claim.project_id}\n{claim.caller}\n{claim.key}".encode())
    locked = await connection.scalar(text("SELECT pg_try_advisory_xact_lock(:key)"), {"key": key})
    return bool(locked)


async def begin(
    request: Request, connection: AsyncConnection, project_id: uuid.UUID, caller: str
) -> None:
    """For a change sent with an Idempotency-Key: replay the stored answer, refuse a
    reused or busy key, or claim the key for this request (`request.state`)."""
    raw_key = request.headers.get(HEADER)
    if raw_key is None or request.method not in MUTATING_METHODS:
        return
    if not KEY_PATTERN.fullmatch(raw_key):
        raise InvalidKey()
    now = utc_now()
    claim = Claim(project_id, caller, raw_key, _fingerprint(request, await request.body()), now)
    if not await _try_lock(connection, claim):
        raise RequestInProgress()
    stored = await repository.find(connection, project_id, caller, raw_key, now - LIFETIME)
    if stored is not None:
        if stored["fingerprint"] != claim.fingerprint:
            raise KeyReused()
        raise StoredResponse(stored["status"], bytes(stored["body"]), stored["media_type"])
    setattr(request.state, CLAIM_STATE, claim)
    hooks = transaction_hooks(request)
    hooks.before_commit.append(claim.settle)
    hooks.on_refusal.append(claim.settle_error)


def claim_of(request: Request) -> Claim | None:
    claim: Claim | None = getattr(request.state, CLAIM_STATE, None)
    return claim


async def purge_expired(connection: AsyncConnection, batch: int) -> int:
    return await repository.purge_expired(connection, utc_now() - LIFETIME, batch)


PURGE_BATCH = 1_000


async def purge_forever(database: Any, interval_seconds: float) -> None:
    """Deletes expired keys every `interval_seconds`, in small batches of their own short
    transactions, so requests never wait behind one long delete. Runs in every worker
    (deleting the same rows twice is harmless); a database outage is waited out."""
    while True:
        await asyncio.sleep(interval_seconds)
        try:
            while True:
                async with database.transaction() as connection:
                    purged = await purge_expired(connection, PURGE_BATCH)
                if purged < PURGE_BATCH:
                    break
        except Exception as exc:
            logger.warning("idempotency key purge failed: %s", type(exc).__name__)
