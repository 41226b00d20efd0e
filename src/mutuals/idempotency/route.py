"""The route class of endpoints that change things: it hands what the endpoint returned to
the request's Idempotency-Key claim, which the request's transaction then stores."""

import functools
import inspect
from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import Request
from fastapi.routing import APIRoute

from mutuals.idempotency.errors import InvalidKey, KeyReused, RequestInProgress
from mutuals.idempotency.service import MUTATING_METHODS, claim_of
from mutuals.kit.errors import error_responses

IDEMPOTENCY_ERRORS = (InvalidKey, KeyReused, RequestInProgress)

REQUEST_PARAMETER = "idempotency_request"


def _capturing(endpoint: Callable[..., Coroutine[Any, Any, Any]]) -> Callable[..., Any]:
    signature = inspect.signature(endpoint)
    # The framework passes the request to one parameter only: the endpoint's own, if any.
    own = next((name for name, p in signature.parameters.items() if p.annotation is Request), None)
    parameters = list(signature.parameters.values())
    if own is None:
        parameters.append(
            inspect.Parameter(REQUEST_PARAMETER, inspect.Parameter.KEYWORD_ONLY, annotation=Request)
        )

    @functools.wraps(endpoint)
    async def capture(*args: Any, **kwargs: Any) -> Any:
        request: Request = kwargs[own] if own else kwargs.pop(REQUEST_PARAMETER)
        response = await endpoint(*args, **kwargs)
        claim = claim_of(request)
        if claim is not None:
            claim.response = response
        return response

    capture.__signature__ = signature.replace(parameters=parameters)  # type: ignore[attr-defined]
    return capture


KEY_PARAMETER = {
    "name": "Idempotency-Key",
    "in": "header",
    "required": False,
    "description": "1-255 printable ASCII characters. A retry with the same key, method, "
    "path and body within 24 hours gets the first answer again (with "
    "Idempotent-Replayed: true) and changes nothing.",
    "schema": {"type": "string", "minLength": 1, "maxLength": 255},
}


def _with_idempotency_errors(
    responses: dict[int | str, dict[str, Any]],
) -> dict[int | str, dict[str, Any]]:
    merged = {status: dict(response) for status, response in responses.items()}
    for error in IDEMPOTENCY_ERRORS:
        known = merged.get(error.status)
        if known is None:
            merged.update(error_responses(error))
        elif error.code not in known.get("description", ""):
            known["description"] = f"{known.get('description', '')}, {error.code}".lstrip(", ")
    return merged


class IdempotentRoute(APIRoute):
    def __init__(self, path: str, endpoint: Callable[..., Any], **kwargs: Any) -> None:
        methods = {method.upper() for method in kwargs.get("methods") or ()}
        if methods & MUTATING_METHODS:
            endpoint = _capturing(endpoint)
            kwargs["responses"] = _with_idempotency_errors(kwargs.get("responses") or {})
            extra = dict(kwargs.get("openapi_extra") or {})
            extra["parameters"] = [*extra.get("parameters", []), KEY_PARAMETER]
            kwargs["openapi_extra"] = extra
        super().__init__(path, endpoint, **kwargs)
