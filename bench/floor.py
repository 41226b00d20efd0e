"""The floor: the least an HTTP service can do for the bench's hot workloads.

A bare ASGI app (no framework, no ORM) answering the same paths as the service for status,
my connections page 1, the public count, pending received page 1 and the write cycle's
steps: it verifies the caller's token as the service does (HS256 on a key derived per
project, `pid` and `typ` checked, verified tokens cached), runs one prepared asyncpg
statement (`bench/floor_sql.py`) and renders the answer with orjson. The bench serves it
with the same server and worker count as the service, and prints each workload's
figures as a ratio of the floor's: what the service's own Python costs on top.

Run: `FLOOR_DSN=postgresql://… FLOOR_SECRET=… python -m uvicorn bench.floor:create_floor
--factory --workers 2`. Not part of the service; errors are bare status codes.
"""

import hashlib
import hmac
import os
import time
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qs

import asyncpg
import jwt
import orjson

from bench import floor_sql

Scope = dict[str, Any]
Receive = Callable[[], Awaitable[dict[str, Any]]]
Send = Callable[[dict[str, Any]], Awaitable[None]]
JSON_HEADERS = [(b"content-type", b"application/json")]
# Idle connections close soon: the bench runs the service, the floor and the raw client
# against one PostgreSQL, whose connection limit they share.
IDLE_SECONDS = 2.0
TOKEN_CACHE_SIZE = 50_000


def iso(moment: datetime) -> str:
    moment = moment.astimezone(UTC)
    return f"{moment:%Y-%m-%dT%H:%M:%S}.{moment.microsecond // 1000:03d}Z"


def profile(row: asyncpg.Record) -> dict[str, Any]:
    return {
        "id": str(row["user_id"]),
        "foreignId": row["foreign_id"],
        "projectId": str(row["project_id"]),
        "name": row["name"],
        "username": row["username"],
        "avatar": row["avatar"],
        "bio": row["bio"],
        "metadata": orjson.Fragment(row["metadata"]),
        "reputation": row["reputation"],
        "createdAt": iso(row["user_created_at"]),
    }


def page(rows: list[asyncpg.Record], items: list[dict[str, Any]], limit: int) -> dict[str, Any]:
    total = rows[0]["total"] if rows else 0
    return {
        "data": items,
        "pagination": {
            "page": 1,
            "pageSize": limit,
            "totalPages": -(-total // limit),
            "totalItems": total,
            "hasMore": total > limit,
        },
    }


class Tokens:
    """Access tokens verified as the service does, with the same cache of verified ones."""

    def __init__(self, secret: bytes) -> None:
        self.secret = secret
        self.keys: dict[uuid.UUID, bytes] = {}
        self.verified: dict[tuple[str, uuid.UUID], tuple[uuid.UUID, int]] = {}

    def user(self, scope: Scope, project_id: uuid.UUID) -> uuid.UUID | None:
        token = ""
        for name, value in scope["headers"]:
            if name == b"authorization" and value[:7].lower() == b"bearer ":
                token = value[7:].decode("latin-1")
        if not token:
            return None
        cached = self.verified.get((token, project_id))
        if cached is not None and cached[1] > time.time():
            return cached[0]
        key = self.keys.get(project_id)
        if key is None:
            key = hmac.new(self.secret, b"mutuals/access/" + project_id.bytes, hashlib.sha256)
            key = self.keys[project_id] = key.digest()
        try:
            claims = jwt.decode(token, key, algorithms=["HS256"])
        except jwt.PyJWTError:
            return None
        if claims.get("pid") != str(project_id) or claims.get("typ") != "access":
            return None
        user_id = uuid.UUID(claims["sub"])
        if len(self.verified) >= TOKEN_CACHE_SIZE:
            self.verified.clear()
        self.verified[(token, project_id)] = (user_id, int(claims["exp"]))
        return user_id


class Floor:
    def __init__(self, dsn: str, secret: bytes, pool_size: int) -> None:
        self.dsn = dsn
        self.pool_size = pool_size
        self.tokens = Tokens(secret)
        self.pool: asyncpg.Pool | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await self.lifespan(receive, send)
            return
        status, body = await self.answer(scope, receive)
        await send({"type": "http.response.start", "status": status, "headers": JSON_HEADERS})
        await send({"type": "http.response.body", "body": body})

    async def lifespan(self, receive: Receive, send: Send) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                self.pool = await asyncpg.create_pool(
                    self.dsn,
                    min_size=1,
                    max_size=self.pool_size,
                    max_inactive_connection_lifetime=IDLE_SECONDS,
                    server_settings={"jit": "off"},
                )
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                if self.pool is not None:
                    await self.pool.close()
                await send({"type": "lifespan.shutdown.complete"})
                return

    async def answer(self, scope: Scope, receive: Receive) -> tuple[int, bytes]:
        if scope["path"] == "/healthz":
            return 200, b'{"status":"ok"}'
        parts = scope["path"].split("/")
        try:
            project_id = uuid.UUID(parts[2]) if parts[1] == "v7" and len(parts) > 3 else None
        except ValueError:
            project_id = None
        if project_id is None:
            return 404, b"{}"
        route = (scope["method"], *(part if part in ROUTE_WORDS else "*" for part in parts[3:]))
        handler = ROUTES.get(route)
        if handler is None:
            return 404, b"{}"
        user_id = self.tokens.user(scope, project_id)
        if user_id is None and route not in PUBLIC:
            return 401, b"{}"
        if scope["method"] in ("POST", "PATCH", "DELETE"):
            scope["floor.body"] = await read_body(receive)
        if self.pool is None:
            return 503, b"{}"
        async with self.pool.acquire() as connection:
            result = await handler(connection, project_id, user_id, parts[3:], scope)
        return (404, b"{}") if result is None else (200, orjson.dumps(result))


async def read_body(receive: Receive) -> bytes:
    body = b""
    while True:
        message = await receive()
        body += message.get("body", b"")
        if not message.get("more_body"):
            return body


async def status(
    db: asyncpg.Connection, project: uuid.UUID, me: uuid.UUID, path: list[str], scope: Scope
) -> dict[str, Any]:
    other = uuid.UUID(path[1])
    row = await db.fetchrow(floor_sql.STATUS, project, me, other)
    if row is None:
        return {"status": "none"}
    direction = "sent" if row["requester_id"] == me else "received"
    if row["status"] == "accepted":
        return {
            "status": "connected",
            "connectionId": str(row["id"]),
            "connectedAt": iso(row["responded_at"]),
            "requestedAt": iso(row["created_at"]),
        }
    return {
        "status": row["status"],
        "type": direction,
        "connectionId": str(row["id"]),
        "createdAt": iso(row["created_at"]),
    }


async def count(
    db: asyncpg.Connection, project: uuid.UUID, _me: Any, path: list[str], scope: Scope
) -> dict[str, Any] | None:
    value = await db.fetchval(floor_sql.COUNT, project, uuid.UUID(path[1]))
    return None if value is None else {"count": value}


def _limit(scope: Scope) -> int:
    query = parse_qs(scope["query_string"].decode("latin-1"))
    return min(100, int(query.get("limit", ["20"])[0]))


async def my_connections(
    db: asyncpg.Connection, project: uuid.UUID, me: uuid.UUID, path: list[str], scope: Scope
) -> dict[str, Any]:
    limit = _limit(scope)
    rows = await db.fetch(floor_sql.MY_CONNECTIONS, project, me, limit)
    items = [
        {
            "id": str(row["id"]),
            "connectedUser": profile(row),
            "connectedAt": iso(row["responded_at"]),
            "requestedAt": iso(row["created_at"]),
        }
        for row in rows
    ]
    return page(rows, items, limit)


async def pending_received(
    db: asyncpg.Connection, project: uuid.UUID, me: uuid.UUID, path: list[str], scope: Scope
) -> dict[str, Any]:
    limit = _limit(scope)
    rows = await db.fetch(floor_sql.PENDING_RECEIVED, project, me, limit)
    items = [
        {
            "id": str(row["id"]),
            "type": "received",
            "user": profile(row),
            "message": row["message"],
            "createdAt": iso(row["created_at"]),
        }
        for row in rows
    ]
    return page(rows, items, limit)


def _event(kind: str, subject: uuid.UUID, project: uuid.UUID, now: datetime) -> tuple[Any, str]:
    event_id = uuid.uuid4()
    payload = orjson.dumps(
        {
            "id": str(event_id),
            "type": kind,
            "projectId": str(project),
            "createdAt": iso(now),
            "data": {"id": str(subject)},
        }
    ).decode()
    return event_id, payload


async def request(
    db: asyncpg.Connection, project: uuid.UUID, me: uuid.UUID, path: list[str], scope: Scope
) -> dict[str, Any] | None:
    body = orjson.loads(scope["floor.body"] or b"{}")
    return await make_request(db, project, me, uuid.UUID(path[1]), body.get("message"))


async def make_request(
    db: asyncpg.Connection,
    project: uuid.UUID,
    me: uuid.UUID,
    other: uuid.UUID,
    message: str | None,
) -> dict[str, Any] | None:
    now = datetime.now(UTC)
    connection_id = uuid.uuid4()
    requested = _event("connection.requested", connection_id, project, now)
    noticed = _event("notification.created", connection_id, project, now)
    metadata = orjson.dumps({"connectionId": str(connection_id), "userId": str(me)}).decode()
    made = await db.fetchval(
        floor_sql.REQUEST,
        *(project, connection_id, me, other, message, now, uuid.uuid4(), metadata),
        *(requested[0], noticed[0], requested[1], noticed[1]),
    )
    if made is None:
        return None
    return {"id": str(made), "status": "pending", "createdAt": iso(now)}


async def accept(
    db: asyncpg.Connection, project: uuid.UUID, me: uuid.UUID, path: list[str], scope: Scope
) -> dict[str, Any] | None:
    return await accept_request(db, project, me, uuid.UUID(path[1]))


async def accept_request(
    db: asyncpg.Connection, project: uuid.UUID, me: uuid.UUID, connection_id: uuid.UUID
) -> dict[str, Any] | None:
    now = datetime.now(UTC)
    accepted = _event("connection.accepted", connection_id, project, now)
    noticed = _event("notification.created", connection_id, project, now)
    metadata = orjson.dumps({"connectionId": str(connection_id), "userId": str(me)}).decode()
    done = await db.fetchval(
        floor_sql.ACCEPT,
        *(project, connection_id, me, now, uuid.uuid4(), metadata),
        *(accepted[0], noticed[0], accepted[1], noticed[1]),
    )
    if done is None:
        return None
    return {"id": str(done), "status": "accepted", "respondedAt": iso(now)}


async def remove(
    db: asyncpg.Connection, project: uuid.UUID, me: uuid.UUID, path: list[str], scope: Scope
) -> dict[str, Any] | None:
    return await remove_connection(db, project, me, uuid.UUID(path[1]))


async def remove_connection(
    db: asyncpg.Connection, project: uuid.UUID, me: uuid.UUID, connection_id: uuid.UUID
) -> dict[str, Any] | None:
    now = datetime.now(UTC)
    event_id, payload = _event("connection.removed", connection_id, project, now)
    done = await db.fetchval(floor_sql.REMOVE, project, connection_id, me, event_id, payload, now)
    return None if done is None else {"message": "Connection removed successfully."}


async def remove_between(
    db: asyncpg.Connection, project: uuid.UUID, me: uuid.UUID, path: list[str], scope: Scope
) -> dict[str, Any]:
    await db.execute(floor_sql.REMOVE_BETWEEN, project, me, uuid.UUID(path[1]))
    return {"message": "Connection removed successfully."}


Handler = Callable[..., Awaitable[dict[str, Any] | None]]
# Path pieces after /v7/{projectId}; "*" stands for an id.
ROUTES: dict[tuple[str, ...], Handler] = {
    ("GET", "users", "*", "connection"): status,
    ("GET", "users", "*", "connections-count"): count,
    ("GET", "connections"): my_connections,
    ("GET", "connections", "pending", "received"): pending_received,
    ("POST", "users", "*", "connection"): request,
    ("PATCH", "connections", "*", "accept"): accept,
    ("DELETE", "connections", "*"): remove,
    ("DELETE", "users", "*", "connection"): remove_between,
}
ROUTE_WORDS = frozenset(word for route in ROUTES for word in route[1:] if word != "*")
PUBLIC = frozenset({("GET", "users", "*", "connections-count")})


def create_floor() -> Floor:
    return Floor(
        os.environ["FLOOR_DSN"],
        os.environ["FLOOR_SECRET"].encode(),
        int(os.environ.get("FLOOR_POOL_SIZE", "32")),
    )
