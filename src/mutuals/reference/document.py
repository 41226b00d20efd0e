"""The OpenAPI document finished for people: operation ids, descriptions and credentials
from operations.py, every status an operation can answer, and realistic examples
in place of the framework's `"string"`.
"""

import re
from typing import Any

from mutuals.kit.errors import AppError
from mutuals.reference.operations import OPERATIONS, Operation

ERROR_BODY = {"$ref": "#/components/schemas/ErrorBody"}
RATE_LIMIT_HEADERS = {
    name: {"description": description, "schema": {"type": "integer"}}
    for name, description in (
        ("RateLimit-Limit", "Requests allowed in the window"),
        ("RateLimit-Remaining", "Requests left in the window"),
        ("RateLimit-Reset", "Seconds until the window frees a request"),
        ("Retry-After", "Seconds to wait before trying again"),
    )
}
SECURITY: dict[str, list[dict[str, list[str]]]] = {
    "user": [{"bearer": []}],
    "service": [{"bearer": []}],
    # A credential is optional, but one that is sent must be valid.
    "public": [{"bearer": []}, {}],
    "none": [],
}
BODY_METHODS = {"post", "patch", "put"}
# The identity endpoints read no credential, and sign-out has no rate limit.
NOT_LIMITED = {"getHealth", "getReadiness", "getMetrics", "signOut"}
WITHOUT_DATABASE = {"getHealth", "getMetrics"}


def _error(description: str, code: str, message: str, **extra: Any) -> dict[str, Any]:
    return {
        "description": description,
        "content": {
            "application/json": {"schema": ERROR_BODY, "example": {"error": message, "code": code}}
        },
        **extra,
    }


def _bare(status: int, body: str, description: str) -> dict[str, Any]:
    return {
        "description": description,
        "content": {"text/plain": {"schema": {"type": "string"}, "example": body}},
        "headers": {"WWW-Authenticate": {"schema": {"type": "string"}}},
    }


def _common_responses(method: str, operation: Operation) -> dict[str, dict[str, Any]]:
    found: dict[str, dict[str, Any]] = {
        "405": _error(
            "The path does not take this method",
            "request/method-not-allowed",
            "Method not allowed",
        )
    }
    if method in BODY_METHODS:
        found["400"] = _error("The body is not JSON", "request/invalid-json", "Malformed JSON body")
        found["413"] = _error("The body is over 64 KiB", "request/too-large", "Request too large")
    if operation.access in ("user", "service"):
        found["401"] = _bare(
            401, "Unauthorized", "No credential (plain text, no code: the SDK signs in)"
        )
    if operation.access != "none":
        found["403"] = _bare(
            403,
            "Forbidden",
            "The credential is malformed, expired or revoked (plain text, no code: refresh "
            "the token)",
        )
    if operation.operation_id not in NOT_LIMITED:
        found["429"] = _error(
            "Over the rate limit of the endpoint's group",
            "rate-limit/exceeded",
            "Too many requests, please try again later.",
            headers=RATE_LIMIT_HEADERS,
        )
    if operation.operation_id not in WITHOUT_DATABASE:
        found["503"] = _error(
            "The database is unreachable; retry after the Retry-After seconds",
            "server/unavailable",
            "Service temporarily unavailable.",
            headers={"Retry-After": RATE_LIMIT_HEADERS["Retry-After"]},
        )
    return found


def _merge(responses: dict[str, Any], status: str, extra: dict[str, Any]) -> None:
    """Adds a response; a status the route already documents keeps its own codes and gains
    the bare credential answer as a second media type."""
    existing = responses.get(status)
    if existing is None:
        responses[status] = extra
        return
    for media, content in extra.get("content", {}).items():
        existing.setdefault("content", {}).setdefault(media, content)
    if "headers" in extra:
        existing.setdefault("headers", {}).update(extra["headers"])


def finish(schema: dict[str, Any]) -> dict[str, Any]:
    components = schema.setdefault("components", {})
    components["securitySchemes"] = {
        "bearer": {
            "type": "http",
            "scheme": "bearer",
            "description": "An access token, or the project's service key (with actingUserId)",
        }
    }
    schema.pop("security", None)
    for name in ("HTTPValidationError", "ValidationError"):
        components.get("schemas", {}).pop(name, None)
    for path, item in schema.get("paths", {}).items():
        for method, operation in item.items():
            described = OPERATIONS.get((method.upper(), path))
            if described is None:
                continue  # the coverage test names it
            operation["operationId"] = described.operation_id
            operation["description"] = described.description
            operation["security"] = SECURITY[described.access]
            responses = operation.setdefault("responses", {})
            # Validation failures are the 400s each route lists; the only 422 of ours is
            # idempotency/key-reused (§10.1).
            if "idempotency/key-reused" not in responses.get("422", {}).get("description", ""):
                responses.pop("422", None)
            for status, extra in _common_responses(method, described).items():
                _merge(responses, status, extra)
            _add_examples(operation, components.get("schemas", {}))
    return schema


# --- Examples ----------------------------------------------------------------------------

SAMPLE_ID = "0190a0e4-5b7c-7d3e-9a41-3c2f8e6d1b20"
SAMPLE_TIME = "2026-01-31T12:00:00.000Z"
# Shapes of the real thing, made up for the reference.
SAMPLE_TOKEN = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIwMTkwYTBlNCJ9.c2lnbmF0dXJl"  # noqa: S105
SAMPLES: dict[str, Any] = {
    "email": "ada@example.com",
    "password": "correct horse battery staple",
    "username": "ada",
    "name": "Ada Lovelace",
    "avatar": "https://cdn.example.com/avatars/ada.png",
    "bio": "Writes about engines.",
    "message": "Hi Bob, good to meet you at the meetup.",
    "url": "https://api.example.com/hooks/mutuals",
    "description": "Search index",
    "accessToken": SAMPLE_TOKEN,
    "refreshToken": SAMPLE_TOKEN,
    "userJwt": SAMPLE_TOKEN,
    "secret": "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
    "nextCursor": "eyJ0IjoiMjAyNi0wMS0zMVQxMjowMDowMC4wMDBaIn0.c2ln",
    "error": "Connection request already pending.",
    "code": "connection/request-pending",
    "lastError": None,
    "action": "withdraw",
    "type": "connection-request",
    "metadata": {},
    "events": ["connection.accepted", "follow.created"],
    "authMethods": ["password"],
    "eventType": "connection.accepted",
    "count": 42,
    "page": 1,
    "pageSize": 20,
    "totalPages": 5,
    "totalItems": 97,
    "attempts": 1,
    "lastStatusCode": 200,
    "reputation": 0,
    "mutualConnectionsCount": 3,
    "markedAsRead": 4,
    "foreignId": None,
    "status": "pending",
}
MAX_DEPTH = 6


def _resolve(node: dict[str, Any], schemas: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in node:
        node = schemas.get(node["$ref"].rsplit("/", 1)[-1], {})
    return node


def sample(  # noqa: PLR0911, PLR0912 - one case per kind of JSON Schema node
    node: dict[str, Any], schemas: dict[str, Any], name: str = "", depth: int = 0
) -> Any:
    """A realistic value for a schema, from its own example or the field's name."""
    node = _resolve(node, schemas)
    if "example" in node:
        return node["example"]
    if node.get("examples"):
        return node["examples"][0]
    if name in SAMPLES:
        return SAMPLES[name]
    for union in ("anyOf", "oneOf"):
        if union in node:
            options = [option for option in node[union] if option.get("type") != "null"]
            return sample(options[0], schemas, name, depth) if options else None
    if "enum" in node:
        return node["enum"][0]
    kind = node.get("type")
    if kind == "object" or "properties" in node:
        if depth >= MAX_DEPTH:
            return {}
        properties = node.get("properties", {})
        return {key: sample(value, schemas, key, depth + 1) for key, value in properties.items()}
    if kind == "array":
        return [sample(node.get("items", {}), schemas, name, depth + 1)]
    if kind == "integer":
        return 1
    if kind == "boolean":
        return True
    if kind == "string":
        if node.get("format") == "date-time" or re.search(r"(At|^at)$", name):
            return SAMPLE_TIME
        if name == "id" or name.endswith("Id"):
            return SAMPLE_ID
        return name or "text"
    return None


def _error_messages() -> dict[str, str]:
    """Each error code's message, from the error classes themselves."""
    found: dict[str, str] = {}
    pending: list[type[AppError]] = [AppError]
    while pending:
        error = pending.pop()
        found.setdefault(error.code, error.message)
        pending.extend(error.__subclasses__())
    return found


def _add_error_examples(operation: dict[str, Any]) -> None:
    """A route's documented error statuses show their first code as an example."""
    messages = _error_messages()
    for status, response in operation["responses"].items():
        media = response.get("content", {}).get("application/json")
        codes = re.findall(r"[\w-]+/[\w-]+|DUPLICATE_\w+", response.get("description", ""))
        if not status.startswith(("4", "5")) or media is None or "example" in media or not codes:
            continue
        media["example"] = {"error": messages.get(codes[0], "See the code"), "code": codes[0]}


def _add_examples(operation: dict[str, Any], schemas: dict[str, Any]) -> None:
    _add_error_examples(operation)
    bodies = [operation.get("requestBody", {})]
    bodies += [
        response for status, response in operation["responses"].items() if status.startswith("2")
    ]
    for body in bodies:
        media = body.get("content", {}).get("application/json")
        if media is None or "example" in media or "examples" in media or "schema" not in media:
            continue
        media["example"] = sample(media["schema"], schemas)
