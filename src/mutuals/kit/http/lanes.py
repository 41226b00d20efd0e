"""The request path of the /v7 endpoints, without the framework's per-request machinery.

FastAPI declares every route: its path, its OpenAPI document, its parameters and its
dependencies. Serving a request through it (matching each route's pattern in turn, the
middleware layers, the generic dependency solver, the response wrapper) cost a read about
three times what a bare ASGI app with the same token check and statement costs (`make
bench`, the floor rows). So at the first request each /v7 route is compiled into a plan
from the framework's own analysis of it (`route.dependant`): which path and query values
each function takes, which dependencies it needs and in what order. A request then finds
its route in a table keyed by method and number of path segments and runs the plan: the
same dependency and endpoint functions, called with the same arguments, and errors
answered by the app's own exception handlers.

Only what a plan expresses exactly is compiled: path and query parameters that are
strings taken as sent, a JSON body read and validated by the framework's own functions,
async dependencies (generators closed before the response is sent, as `scope="function"`
asks), the request itself, and an endpoint that returns a response. A route with
headers, a form, a custom route class or anything else goes through the framework as
before, as does every request while a test overrides a dependency. (A route class that
only answers validation failures with its own error code is served, with that code.)
"""

import email.message
import inspect
import json
from collections.abc import Callable
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass, replace
from typing import Any

from fastapi import FastAPI, params
from fastapi._compat import ModelField, Undefined
from fastapi.datastructures import DefaultPlaceholder
from fastapi.dependencies.models import Dependant
from fastapi.dependencies.utils import request_body_to_args
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute, iter_route_contexts
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Receive, Scope, Send

from mutuals.idempotency.route import IdempotentRoute
from mutuals.kit.errors import AppError
from mutuals.kit.http.errors import own_validation_error

PREFIX = "/v7/"
# Route classes whose request handling is the framework's own (IdempotentRoute only wraps
# the endpoint function, which the plan calls as it is).
PLAIN_ROUTES = (APIRoute, IdempotentRoute)
ABSENT = object()


@dataclass(frozen=True)
class Plan:
    """How to call one function of a route: the endpoint or one of its dependencies."""

    call: Callable[..., Any]
    is_generator: bool
    request_name: str | None
    # (argument name, path parameter)
    path: tuple[tuple[str, str], ...]
    # (argument name, query parameter, value when absent, every value or the last one)
    query: tuple[tuple[str, str, Any, bool], ...]
    # (argument name, plan): solved in this order, each at most once per request.
    dependencies: tuple[tuple[str | None, "Plan"], ...]


@dataclass(frozen=True)
class Body:
    """The endpoint's JSON body, as the framework reads and validates it."""

    fields: tuple[ModelField, ...]
    embedded: bool
    strict_content_type: bool


@dataclass(frozen=True)
class Lane:
    route: APIRoute
    # Path segments after the leading "/": a literal, or None for a parameter's name.
    literals: tuple[str | None, ...]
    names: tuple[str | None, ...]
    plan: Plan | None  # None: served by the framework
    body: Body | None = None
    # A route class's own answer to a validation failure (errors.validation_errors_as).
    validation_error: type[AppError] | None = None


class UnplannableError(Exception):
    """A route the plans cannot express; the framework serves it."""


def plan_of(dependant: Dependant, *, body_allowed: bool = False) -> Plan:
    call = dependant.call
    if call is None:
        raise UnplannableError("no function")
    unsupported = (
        dependant.header_params,
        dependant.cookie_params,
        not body_allowed and dependant.body_params,
        dependant.background_tasks_param_name,
        dependant.response_param_name,
        dependant.security_scopes_param_name,
        dependant.websocket_param_name,
        dependant.http_connection_param_name,
        dependant.own_oauth_scopes,
    )
    if any(unsupported):
        raise UnplannableError("parameters other than path, query and request")
    is_generator = inspect.isasyncgenfunction(call)
    if is_generator and dependant.scope != "function":
        raise UnplannableError("a generator closed after the response")
    if not is_generator and not inspect.iscoroutinefunction(call):
        raise UnplannableError("a function run in a thread")
    for field in dependant.path_params:
        if field.field_info.annotation is not str:
            raise UnplannableError("a path parameter that is not a string")
    query = []
    for field in dependant.query_params:
        annotation = field.field_info.annotation
        if annotation not in (str | None, list[str] | None) or field.field_info.is_required():
            raise UnplannableError("a query parameter that is not an optional string")
        many = annotation == list[str] | None
        query.append((field.name, field.alias, field.field_info.default, many))
    dependencies = []
    for sub in dependant.dependencies:
        if not sub.use_cache:
            raise UnplannableError("a dependency solved more than once per request")
        dependencies.append((sub.name, plan_of(sub)))
    return Plan(
        call=call,
        is_generator=is_generator,
        request_name=dependant.request_param_name,
        path=tuple((field.name, field.alias) for field in dependant.path_params),
        query=tuple(query),
        dependencies=tuple(dependencies),
    )


def _lane(route: APIRoute, path: str) -> Lane:
    segments = path[1:].split("/")
    literals: list[str | None] = []
    names: list[str | None] = []
    for segment in segments:
        is_parameter = segment.startswith("{") and segment.endswith("}")
        literals.append(None if is_parameter else segment)
        names.append(segment[1:-1] if is_parameter else None)
    route_class = type(route)
    validation_error: type[AppError] | None = getattr(route_class, "validation_error", None)
    # A class of errors.validation_errors_as over a plain route: its handler only renames
    # validation failures, which the lane does itself.
    plain = route_class in PLAIN_ROUTES or (
        validation_error is not None and route_class.__mro__[1] in PLAIN_ROUTES
    )
    try:
        if not plain or ":" in path:
            raise UnplannableError("a route class or path convertor of its own")
        plan = plan_of(route.dependant, body_allowed=True)
        if not _returns_response(route):
            raise UnplannableError("an endpoint whose return value the framework serialises")
        body = _body_of(route)
    except UnplannableError:
        return Lane(route, tuple(literals), tuple(names), None)
    return Lane(route, tuple(literals), tuple(names), plan, body, validation_error)


def _body_of(route: APIRoute) -> Body | None:
    fields = route.dependant.body_params
    if not fields:
        return None
    if any(isinstance(field.field_info, params.Form) for field in fields):
        raise UnplannableError("a form body")
    strict = route.strict_content_type
    return Body(
        fields=tuple(fields),
        embedded=route._embed_body_fields,
        strict_content_type=bool(
            strict.value if isinstance(strict, DefaultPlaceholder) else strict
        ),
    )


def _returns_response(route: APIRoute) -> bool:
    returned = inspect.signature(route.endpoint).return_annotation
    return inspect.isclass(returned) and issubclass(returned, Response)


class Table:
    """The /v7 routes by method and segment count, in the framework's order of matching."""

    def __init__(self, app: FastAPI) -> None:
        self.lanes: dict[tuple[str, int], list[Lane]] = {}
        for context in iter_route_contexts(app.routes):
            route, path = context.route, context.path or ""
            if not isinstance(route, APIRoute) or not path.startswith(PREFIX):
                continue
            lane = _lane(route, path)
            if route is not context.original_route:
                # Included with dependencies or settings of its router: the framework's, but
                # kept in the table so the routes after it match in the framework's order.
                lane = replace(lane, plan=None)
            for method in context.methods or ():
                self.lanes.setdefault((method, len(lane.literals)), []).append(lane)

    def find(self, method: str, path: str) -> tuple[Lane, dict[str, str]] | None:
        segments = path[1:].split("/")
        for lane in self.lanes.get((method, len(segments)), ()):
            if all(
                segment == literal if literal is not None else segment != ""
                for segment, literal in zip(segments, lane.literals, strict=True)
            ):
                values = {
                    name: segment
                    for name, segment in zip(lane.names, segments, strict=True)
                    if name is not None
                }
                return lane, values
        return None


class Lanes:
    """The ASGI layer that serves planned routes itself and passes the rest on."""

    def __init__(self, app: ASGIApp, owner: FastAPI) -> None:
        self.app = app
        self.owner = owner
        self.table: Table | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] != "http"
            or not scope["path"].startswith(PREFIX)
            or self.owner.dependency_overrides
        ):
            await self.app(scope, receive, send)
            return
        if self.table is None:
            self.table = Table(self.owner)
        found = self.table.find(scope["method"], scope["path"])
        if found is None or found[0].plan is None:
            await self.app(scope, receive, send)
            return
        lane, path_params = found
        scope["path_params"] = path_params
        scope["endpoint"] = lane.route.endpoint
        scope["route"] = lane.route
        request = Request(scope, receive, send)
        try:
            response = await self._run(lane, request, path_params)
        except Exception as exc:
            error: Exception = exc
            if lane.validation_error is not None and isinstance(exc, RequestValidationError):
                error = own_validation_error(exc, lane.validation_error)
            handler = self._handler_for(error)
            if handler is None:
                raise
            response = await handler(request, error)
        await response(scope, receive, send)

    async def _run(self, lane: Lane, request: Request, path_params: dict[str, str]) -> Response:
        plan = lane.plan
        if plan is None:
            raise RuntimeError("a lane without a plan")
        # As the framework: the body is read first, and judged after the dependencies ran
        # (a bad credential answers before a bad body).
        body = Undefined if lane.body is None else await _read_body(request, lane.body)
        solved: dict[Callable[..., Any], Any] = {}
        async with AsyncExitStack() as stack:
            arguments = await _arguments(plan, request, path_params, stack, solved)
            if lane.body is not None:
                values, errors = await request_body_to_args(
                    body_fields=list(lane.body.fields),
                    received_body=body,
                    embed_body_fields=lane.body.embedded,
                )
                if errors:
                    raise RequestValidationError(errors, body=body)
                arguments.update(values)
            response = await plan.call(**arguments)
        if not isinstance(response, Response):
            raise TypeError(f"{plan.call.__qualname__} returned {type(response).__name__}")
        return response

    def _handler_for(self, exc: Exception) -> Callable[..., Any] | None:
        """The app's handler for `exc`, as the framework's exception layer finds it; the
        catch-all for any Exception is left to the outermost layer, as before."""
        handlers = self.owner.exception_handlers
        if isinstance(exc, HTTPException) and exc.status_code in handlers:
            return handlers[exc.status_code]
        for kind in type(exc).__mro__:
            if kind is Exception:
                return None
            if kind in handlers:
                handler: Callable[..., Any] = handlers[kind]
                return handler
        return None


async def _arguments(
    plan: Plan,
    request: Request,
    path_params: dict[str, str],
    stack: AsyncExitStack,
    solved: dict[Callable[..., Any], Any],
) -> dict[str, Any]:
    arguments: dict[str, Any] = {}
    for name, dependency in plan.dependencies:
        value = solved.get(dependency.call, ABSENT)
        if value is ABSENT:
            inner = await _arguments(dependency, request, path_params, stack, solved)
            if dependency.is_generator:
                value = await stack.enter_async_context(
                    asynccontextmanager(dependency.call)(**inner)
                )
            else:
                value = await dependency.call(**inner)
            solved[dependency.call] = value
        if name is not None:
            arguments[name] = value
    if plan.request_name is not None:
        arguments[plan.request_name] = request
    for name, alias in plan.path:
        arguments[name] = path_params[alias]
    if plan.query:
        query = request.query_params
        for name, alias, default, many in plan.query:
            # As the framework reads them: the last value, or all of them (none: the default).
            arguments[name] = (
                (query.getlist(alias) or default) if many else query.get(alias, default)
            )
    return arguments


async def _read_body(request: Request, body: Body) -> Any:
    """The body as the framework reads it: JSON when declared so (or undeclared, unless
    the content type is strict), the bytes otherwise, Undefined when empty."""
    try:
        raw = await request.body()
        if not raw:
            return Undefined
        content_type = request.headers.get("content-type")
        if not content_type:
            return raw if body.strict_content_type else await request.json()
        message = email.message.Message()
        message["content-type"] = content_type
        subtype = message.get_content_subtype()
        if message.get_content_maintype() == "application" and (
            subtype == "json" or subtype.endswith("+json")
        ):
            return await request.json()
        return raw
    except json.JSONDecodeError as error:
        problem = {
            "type": "json_invalid",
            "loc": ("body", error.pos),
            "msg": "JSON decode error",
            "input": {},
            "ctx": {"error": error.msg},
        }
        raise RequestValidationError([problem], body=error.doc) from error
    except HTTPException:
        raise
    except Exception as error:
        raise HTTPException(400, "There was an error parsing the body") from error
