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
from fastapi.datastructures import DefaultPlaceholder
from fastapi.dependencies.models import Dependant
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute, iter_route_contexts
from pydantic import TypeAdapter, ValidationError
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Receive, Scope, Send

from mutuals.kit.errors import AppError
from mutuals.kit.http.errors import own_validation_error

PREFIX = "/v7/"
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
    """The endpoint's JSON body: the one parameter it is given to, as the endpoint declares
    it (its type, and its default when the body may be absent)."""

    name: str
    adapter: TypeAdapter[Any]
    required: bool
    default: Any
    strict_content_type: bool

    def validate(self, received: Any) -> Any:
        """The parameter's value, validated as the framework validates a body: a failure's
        location starts with "body", an absent body is the default or "Field required"."""
        if received is ABSENT:
            if not self.required:
                return self.default
            missing = {"type": "missing", "loc": ("body",), "msg": "Field required"}
            raise RequestValidationError([{**missing, "input": None}], body=None)
        try:
            return self.adapter.validate_python(received, from_attributes=True)
        except ValidationError as error:
            problems = [
                {**problem, "loc": ("body", *problem["loc"])}
                for problem in error.errors(include_url=False)
            ]
            raise RequestValidationError(problems, body=received) from None


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
    # Why the framework serves it (no plan): tests name every such route.
    unplanned_because: str | None = None


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
    plain = _handles_requests_as_the_framework(route_class) or (
        validation_error is not None and _handles_requests_as_the_framework(route_class.__mro__[1])
    )
    try:
        if not plain or ":" in path:
            raise UnplannableError("a route class or path convertor of its own")
        plan = plan_of(route.dependant, body_allowed=True)
        if not _returns_response(route):
            raise UnplannableError("an endpoint whose return value the framework serialises")
        body = _body_of(route)
    except UnplannableError as reason:
        return Lane(route, tuple(literals), tuple(names), None, unplanned_because=str(reason))
    return Lane(route, tuple(literals), tuple(names), plan, body, validation_error)


def _handles_requests_as_the_framework(route_class: type) -> bool:
    """Whether a route class leaves request handling to the framework (a class that only
    wraps the endpoint function, as IdempotentRoute does, still does: the plan calls the
    function as it is)."""
    handler = getattr(route_class, "get_route_handler", None)
    return issubclass(route_class, APIRoute) and handler is APIRoute.get_route_handler


def _body_of(route: APIRoute) -> Body | None:
    """The body parameter as the endpoint's signature declares it."""
    fields = route.dependant.body_params
    if not fields:
        return None
    if len(fields) > 1:
        raise UnplannableError("a body given to more than one parameter (embedded)")
    field_info = fields[0].field_info
    if isinstance(field_info, params.Form) or getattr(field_info, "embed", False):
        raise UnplannableError("a form or an embedded body")
    name = fields[0].name
    parameter = inspect.signature(route.endpoint).parameters.get(name)
    if parameter is None:
        raise UnplannableError("a body taken by a dependency, not by the endpoint")
    strict = route.strict_content_type
    required = parameter.default is inspect.Parameter.empty
    return Body(
        name=name,
        adapter=TypeAdapter(parameter.annotation),
        required=required,
        default=None if required else parameter.default,
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
                lane = replace(
                    lane, plan=None, unplanned_because="included with settings of its router"
                )
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
        body = ABSENT if lane.body is None else await _read_body(request, lane.body)
        solved: dict[Callable[..., Any], Any] = {}
        async with AsyncExitStack() as stack:
            arguments = await _arguments(plan, request, path_params, stack, solved)
            if lane.body is not None:
                arguments[lane.body.name] = lane.body.validate(body)
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
    the content type is strict), the bytes otherwise, ABSENT when empty."""
    try:
        raw = await request.body()
        if not raw:
            return ABSENT
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
