"""The one place that renders domain errors (kit/errors.py) as {"error", "code"}.

Business code raises AppError subclasses; it never knows about FastAPI. The handlers
below also turn framework errors (validation, unknown routes, database outages,
anything unexpected) into the same body, so nothing a client sends yields an odd shape.
"""

import logging
from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, PlainTextResponse, Response
from fastapi.routing import APIRoute
from starlette.exceptions import HTTPException as StarletteHTTPException

from mutuals.kit.db.failures import describe_exception, is_database_unavailable
from mutuals.kit.errors import (
    AppError,
    BareCredentialError,
    InternalError,
    InvalidBody,
    InvalidJson,
    MethodNotAllowed,
    RequestTooLarge,
    RouteNotFound,
    ServiceUnavailable,
)
from mutuals.kit.observability.signals import route_template

logger = logging.getLogger("mutuals.errors")


def error_response(error: AppError, headers: dict[str, str] | None = None) -> Response:
    if error.status == 503:
        headers = {"Retry-After": "1", **(headers or {})}
    if isinstance(error, BareCredentialError):
        bare_headers = {**(headers or {}), "WWW-Authenticate": error.challenge}
        return PlainTextResponse(error.detail, status_code=error.status, headers=bare_headers)
    return JSONResponse(error.body(), status_code=error.status, headers=headers)


def _validation_error(exc: RequestValidationError) -> AppError:
    for problem in exc.errors():
        if problem.get("type") == "json_invalid":
            return InvalidJson()
    first = exc.errors()[0] if exc.errors() else {}
    location = [str(part) for part in first.get("loc", ()) if part != "body"]
    field = location[0] if location else None
    message = str(first.get("msg", "Invalid request body"))
    return InvalidBody(f"{field}: {message}" if field else message, field=field)


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
        # Read by the lanes (kit/http/lanes.py), which serve these routes without this handler.
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
