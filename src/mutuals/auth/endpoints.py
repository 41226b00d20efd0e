"""Endpoints whose whole body is one service call: the caller does something to the user
or the record a path parameter names. Written once here, declared per route."""

import inspect
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import Response
from sqlalchemy.ext.asyncio import AsyncConnection

from mutuals.auth.caller import UserCaller
from mutuals.kit.db.request import Transaction
from mutuals.kit.http.responses import JsonBody
from mutuals.kit.ids import IdPath

# (connection, project, caller's user, the raw id from the path) -> the answer's body.
ActOn = Callable[[AsyncConnection, uuid.UUID, uuid.UUID, str], Awaitable[Any]]


def respond(result: Any, status: int = 200) -> Response:
    """The one way a service's result becomes an answer: its JSON, or no body at all."""
    if status == 204:
        return Response(status_code=204)
    return JsonBody(result, status_code=status)


def acting_on(
    name: str, parameter: str, access: Any, act: ActOn, *, status: int = 200
) -> Callable[..., Awaitable[Response]]:
    """The endpoint `name`: `access` (an `Annotated[UserCaller, Depends(…)]` of auth.access)
    names the caller, `parameter` the path id handed to `act` as sent (the service parses
    it, answering its own invalid-id code)."""

    async def endpoint(**arguments: Any) -> Response:
        caller: UserCaller = arguments["caller"]
        result = await act(
            arguments["connection"], caller.project_id, caller.user_id, arguments[parameter]
        )
        return respond(result, status)

    endpoint.__name__ = endpoint.__qualname__ = name
    keyword = inspect.Parameter.KEYWORD_ONLY
    # The framework reads the parameters from this signature, as from a written one.
    endpoint.__signature__ = inspect.Signature(  # type: ignore[attr-defined]
        [
            inspect.Parameter(parameter, keyword, annotation=IdPath),
            inspect.Parameter("caller", keyword, annotation=access),
            inspect.Parameter("connection", keyword, annotation=Transaction),
        ],
        return_annotation=Response,
    )
    return endpoint
