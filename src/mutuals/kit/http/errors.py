"""Domain errors and the one place that renders them as {"error", "code"}.

Business code raises AppError subclasses; it never knows about FastAPI. The handlers
below also turn framework errors (validation, unknown routes, database outages,
anything unexpected) into the same body, so nothing a client sends yields an odd shape.
"""

import logging
import re
from collections.abc import Callable, Coroutine
from typing import Any, ClassVar

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, PlainTextResponse, Response
from fastapi.routing import APIRoute
from pydantic import BaseModel
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError
from starlette.exceptions import HTTPException as StarletteHTTPException

from mutuals.kit.observability.signals import route_template

logger = logging.getLogger("mutuals.errors")


class ErrorBody(BaseModel):
    error: str
    code: str
    field: str | None = None


class AppError(Exception):
    status: ClassVar[int] = 400
    code: ClassVar[str] = "request/invalid"
    message: ClassVar[str] = "Bad request"

    def __init__(self, message: str | None = None, *, field: str | None = None) -> None:
        self.detail = message or self.message
        self.field = field
        super().__init__(self.detail)

    def body(self) -> dict[str, str]:
        content = {"error": self.detail, "code": self.code}
        if self.field is not None:
            content["field"] = self.field
        return content


class BareCredentialError(AppError):
    """A credential failure answered in plain text, as Replyke v7 does (API.md §1): the
    official client SDK refreshes its token only on a 401/403 that carries no error code."""

    challenge: ClassVar[str] = 'Bearer realm="mutuals"'


def error_class(status: int, code: str, message: str) -> type[AppError]:
    """A named error class for codes that differ only by endpoint (e.g. invalid-…-id)."""
    name = "".join(part.title() for part in code.replace("/", "-").split("-")) + "Error"
    attributes: dict[str, Any] = {"status": status, "code": code, "message": message}
    return type(name, (AppError,), attributes)


InvalidJson = error_class(400, "request/invalid-json", "Malformed JSON body")
InvalidBody = error_class(400, "request/invalid-body", "Invalid request body")
RequestTooLarge = error_class(413, "request/too-large", "Request body too large")
RouteNotFound = error_class(404, "request/not-found", "Not found")
MethodNotAllowed = error_class(405, "request/method-not-allowed", "Method not allowed")
ServiceUnavailable = error_class(503, "server/unavailable", "Service temporarily unavailable.")
InternalError = error_class(500, "server/error", "Internal server error.")


def error_response(error: AppError, headers: dict[str, str] | None = None) -> Response:
    if error.status == 503:
        headers = {"Retry-After": "1", **(headers or {})}
    if isinstance(error, BareCredentialError):
        bare_headers = {**(headers or {}), "WWW-Authenticate": error.challenge}
        return PlainTextResponse(error.detail, status_code=error.status, headers=bare_headers)
    return JSONResponse(error.body(), status_code=error.status, headers=headers)


def _bare_response(error: type[BareCredentialError]) -> dict[str, Any]:
    return {
        "description": f"{error.message} (plain text, no error code: refresh the token)",
        "content": {"text/plain": {"schema": {"type": "string", "example": error.message}}},
        "headers": {
            "WWW-Authenticate": {
                "schema": {"type": "string", "example": error.challenge},
                "description": "The Bearer challenge",
            }
        },
    }


def error_responses(*errors: type[AppError]) -> dict[int | str, dict[str, Any]]:
    """OpenAPI `responses=` for a route: every status it can answer, with its codes."""
    by_status: dict[int, list[str]] = {}
    bare: dict[int | str, dict[str, Any]] = {}
    for error in errors:
        if issubclass(error, BareCredentialError):
            bare[error.status] = _bare_response(error)
            continue
        codes = by_status.setdefault(error.status, [])
        if error.code not in codes:
            codes.append(error.code)
    documented: dict[int | str, dict[str, Any]] = {
        status: {"model": ErrorBody, "description": "Error codes: " + ", ".join(codes)}
        for status, codes in sorted(by_status.items())
    }
    for status, response in bare.items():
        if status in documented:
            # A status shared with coded errors (403): both bodies, by content type.
            documented[status]["description"] += "; or " + response["description"]
            documented[status]["content"] = {
                "application/json": {"schema": {"$ref": "#/components/schemas/ErrorBody"}},
                **response["content"],
            }
            documented[status]["headers"] = response["headers"]
        else:
            documented[status] = response
    return dict(sorted(documented.items(), key=lambda item: int(item[0])))


def documented(
    success: Any, *errors: type[AppError], status: int = 200
) -> dict[int | str, dict[str, Any]]:
    """`responses=` with the success body model and every error the route can answer."""
    return {status: {"model": success}, **error_responses(*errors)}


def _validation_error(exc: RequestValidationError) -> AppError:
    for problem in exc.errors():
        if problem.get("type") == "json_invalid":
            return InvalidJson()
    first = exc.errors()[0] if exc.errors() else {}
    location = [str(part) for part in first.get("loc", ()) if part != "body"]
    field = location[0] if location else None
    message = str(first.get("msg", "Invalid request body"))
    return InvalidBody(f"{field}: {message}" if field else message, field=field)


# SQLSTATE classes and codes that mean "try again shortly", not a bug: connection
# exceptions, insufficient resources (too many clients), a statement cancelled by its
# timeout, shutdowns, serialization failures and deadlocks, a lock not available.
TRANSIENT_SQLSTATE_CLASSES = frozenset({"08", "53", "57", "40"})
TRANSIENT_SQLSTATES = frozenset({"55P03", "55006"})


def is_database_unavailable(exc: BaseException) -> bool:
    if isinstance(exc, PoolTimeoutError | OperationalError):
        # Pool exhausted, connection refused or dropped, database file unreachable or
        # locked past the busy timeout: all mean "try again shortly", not a bug.
        return True
    if isinstance(exc, DBAPIError):
        state = sqlstate(exc)
        return (
            bool(exc.connection_invalidated)
            or isinstance(exc.orig, OSError | TimeoutError | ConnectionError)
            or (state is not None and _is_transient_sqlstate(state))
            or _looks_like_disconnect(exc)
        )
    if isinstance(exc, OSError | TimeoutError | ConnectionError):
        return True
    # A connection that drops while SQLAlchemy sets it up surfaces as the driver's own
    # exception, not wrapped: recognised by name, as below.
    if _is_disconnect_name(exc) or _is_disconnect_name(exc.__cause__):
        return True
    state = sqlstate(exc)
    return state is not None and _is_transient_sqlstate(state)


def _is_transient_sqlstate(state: str) -> bool:
    return state[:2] in TRANSIENT_SQLSTATE_CLASSES or state in TRANSIENT_SQLSTATES


def sqlstate(exc: BaseException) -> str | None:
    """The PostgreSQL SQLSTATE behind an error, through the driver and SQLAlchemy wrappers."""
    candidates = [exc, getattr(exc, "orig", None), exc.__cause__]
    orig = getattr(exc, "orig", None)
    if orig is not None:
        candidates.append(orig.__cause__)
    for candidate in candidates:
        state = getattr(candidate, "sqlstate", None)
        if isinstance(state, str) and len(state) == 5:
            return state
    return None


DISCONNECT_NAMES = frozenset(
    {
        "ConnectionDoesNotExistError",
        "CannotConnectNowError",
        "ConnectionFailureError",
        "InterfaceError",
        "ConnectionRefusedError",
        "AdminShutdownError",
        "TooManyConnectionsError",
    }
)


def _is_disconnect_name(exc: BaseException | None) -> bool:
    return exc is not None and type(exc).__name__ in DISCONNECT_NAMES


def _looks_like_disconnect(exc: DBAPIError) -> bool:
    # asyncpg reports refused or dropped connections through its own exception types,
    # which SQLAlchemy wraps; their class names are the stable signal.
    cause = exc.orig.__cause__ if exc.orig is not None else None
    return _is_disconnect_name(exc.orig) or _is_disconnect_name(cause)


_SECRET_PATTERNS = (
    re.compile(r"eyJ[\w-]*\.[\w-]*\.[\w-]*"),  # JWTs
    re.compile(r"(mut_sk_|whsec_)[\w-]+"),  # service keys, webhook secrets
    re.compile(r"\$argon2[\w$=,+/.-]*"),  # password hashes
    re.compile(r"(?i)(password|secret|token)=\S+"),
    re.compile(r"\)=\(.*?\)"),  # values in "Key (column)=(value)" details
)


def describe_exception(exc: BaseException) -> str:
    """Class and message of what failed, one line, with parameters and secrets removed."""
    # The driver's own exception names the failure best (QueryCanceledError, not Error).
    root = getattr(exc, "orig", None) or exc
    root = root.__cause__ if getattr(root.__cause__, "sqlstate", None) else root
    message = str(root).splitlines()[0] if str(root) else ""
    for pattern in _SECRET_PATTERNS:
        message = pattern.sub("[redacted]", message)
    state = sqlstate(exc)
    described = f"{type(root).__name__}: {message[:300]}"
    return f"{described} (sqlstate {state})" if state else described


def _log_server_error(request: Request, status: int, cause: BaseException) -> None:
    route = route_template(request.scope)
    logger.log(
        logging.WARNING if status == 503 else logging.ERROR,
        "server error status=%s request_id=%s route=%s error=%s",
        status,
        getattr(request.state, "request_id", "-"),
        route,
        describe_exception(cause),
        exc_info=cause if status != 503 else None,
    )


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(AppError)
    async def on_app_error(request: Request, exc: AppError) -> Response:
        if exc.status >= 500:
            _log_server_error(request, exc.status, exc.__cause__ or exc)
        return error_response(exc)

    @app.exception_handler(RequestValidationError)
    async def on_validation_error(request: Request, exc: RequestValidationError) -> Response:
        return error_response(_validation_error(exc))

    @app.exception_handler(StarletteHTTPException)
    async def on_http_error(request: Request, exc: StarletteHTTPException) -> Response:
        error: AppError
        if exc.status_code == 404:
            error = RouteNotFound()
        elif exc.status_code == 405:
            error = MethodNotAllowed()
        elif exc.status_code == 413:
            error = RequestTooLarge()
        elif isinstance(exc.__cause__, ValueError | RecursionError):
            # The framework's body parser failed below JSON syntax: bytes that are not
            # UTF-8, nesting past the parser's depth, a number too long to convert.
            error = InvalidJson()
        else:
            error = InvalidBody(str(exc.detail))
        return error_response(error, headers=dict(exc.headers or {}))

    @app.exception_handler(Exception)
    async def on_unexpected(request: Request, exc: Exception) -> Response:
        error = ServiceUnavailable() if is_database_unavailable(exc) else InternalError()
        _log_server_error(request, error.status, exc)
        return error_response(error)


def own_validation_error(exc: RequestValidationError, error: type[AppError]) -> AppError:
    """A validation failure as a route with its own code answers it (malformed JSON stays
    request/invalid-json)."""
    converted = _validation_error(exc)
    if isinstance(converted, InvalidJson):
        return converted
    return error(converted.detail, field=converted.field)


def validation_errors_as(error: type[AppError], base: type[APIRoute] = APIRoute) -> type[APIRoute]:
    """A route class whose body validation failures answer `error` (e.g. auth/invalid-body)."""

    # The base is a parameter (users' routes are also idempotent), which mypy cannot follow.
    class RouteWithOwnValidationCode(base):  # type: ignore[valid-type,misc]
        # Read by the lanes (lanes.py), which serve these routes without this handler.
        validation_error = error

        def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
            handler: Callable[[Request], Coroutine[Any, Any, Response]] = (
                super().get_route_handler()
            )

            async def handle(request: Request) -> Response:
                try:
                    return await handler(request)
                except RequestValidationError as exc:
                    raise own_validation_error(exc, error) from None

            return handle

    return RouteWithOwnValidationCode
