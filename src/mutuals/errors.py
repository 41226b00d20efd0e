"""Domain errors and the one place that renders them as {"error", "code"}.

Business code raises AppError subclasses; it never knows about FastAPI. The handlers
below also turn framework errors (validation, unknown routes, database outages,
anything unexpected) into the same body, so nothing a client sends yields an odd shape.
"""

import logging
from collections.abc import Callable, Coroutine
from typing import Any, ClassVar

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from fastapi.routing import APIRoute
from pydantic import BaseModel
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError
from starlette.exceptions import HTTPException as StarletteHTTPException

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


def error_response(error: AppError, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse(error.body(), status_code=error.status, headers=headers)


def error_responses(*errors: type[AppError]) -> dict[int | str, dict[str, Any]]:
    """OpenAPI `responses=` for a route: every status it can answer, with its codes."""
    by_status: dict[int, list[str]] = {}
    for error in errors:
        codes = by_status.setdefault(error.status, [])
        if error.code not in codes:
            codes.append(error.code)
    return {
        status: {"model": ErrorBody, "description": "Error codes: " + ", ".join(codes)}
        for status, codes in sorted(by_status.items())
    }


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


def is_database_unavailable(exc: BaseException) -> bool:
    if isinstance(exc, PoolTimeoutError | OperationalError):
        # Pool exhausted, connection refused or dropped, database file unreachable or
        # locked past the busy timeout: all mean "try again shortly", not a bug.
        return True
    if isinstance(exc, DBAPIError):
        return (
            bool(exc.connection_invalidated)
            or isinstance(exc.orig, OSError | TimeoutError | ConnectionError)
            or _looks_like_disconnect(exc)
        )
    return isinstance(exc, OSError | TimeoutError | ConnectionError)


def _looks_like_disconnect(exc: DBAPIError) -> bool:
    # asyncpg reports refused or dropped connections through its own exception types,
    # which SQLAlchemy wraps; their class names are the stable signal.
    names = {type(exc.orig).__name__}
    cause = exc.orig.__cause__ if exc.orig is not None else None
    if cause is not None:
        names.add(type(cause).__name__)
    return bool(
        names
        & {
            "ConnectionDoesNotExistError",
            "CannotConnectNowError",
            "ConnectionFailureError",
            "InterfaceError",
            "ConnectionRefusedError",
            "AdminShutdownError",
        }
    )


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(AppError)
    async def on_app_error(request: Request, exc: AppError) -> JSONResponse:
        return error_response(exc)

    @app.exception_handler(RequestValidationError)
    async def on_validation_error(request: Request, exc: RequestValidationError) -> JSONResponse:
        return error_response(_validation_error(exc))

    @app.exception_handler(StarletteHTTPException)
    async def on_http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        error: AppError
        if exc.status_code == 404:
            error = RouteNotFound()
        elif exc.status_code == 405:
            error = MethodNotAllowed()
        elif exc.status_code == 413:
            error = RequestTooLarge()
        else:
            error = InvalidBody(str(exc.detail))
        return error_response(error, headers=dict(exc.headers or {}))

    @app.exception_handler(Exception)
    async def on_unexpected(request: Request, exc: Exception) -> JSONResponse:
        request_id = getattr(request.state, "request_id", "-")
        if is_database_unavailable(exc):
            logger.warning(
                "database unavailable request_id=%s error=%s",
                request_id,
                type(exc).__name__,
            )
            return error_response(ServiceUnavailable(), headers={"Retry-After": "1"})
        logger.error(
            "unhandled error request_id=%s error=%s",
            request_id,
            type(exc).__name__,
            exc_info=exc,
        )
        return error_response(InternalError())


def validation_errors_as(error: type[AppError]) -> type[APIRoute]:
    """A route class whose body validation failures answer `error` (e.g. auth/invalid-body)."""

    class RouteWithOwnValidationCode(APIRoute):
        def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
            handler = super().get_route_handler()

            async def handle(request: Request) -> Response:
                try:
                    return await handler(request)
                except RequestValidationError as exc:
                    converted = _validation_error(exc)
                    if isinstance(converted, InvalidJson):
                        raise converted from None
                    raise error(converted.detail, field=converted.field) from None

            return handle

    return RouteWithOwnValidationCode
