"""One way to declare an endpoint: method, path, a summary and the answers it documents.

Endpoints render their own `Response` (see responses.py), so no route has a response model;
saying so once here keeps every declaration to what differs between them.
"""

from collections.abc import Callable
from typing import Any, TypeVar

from fastapi import APIRouter
from fastapi.responses import Response

Endpoint = TypeVar("Endpoint", bound=Callable[..., Any])
Answers = dict[int | str, dict[str, Any]]

NO_CONTENT: Answers = {204: {"description": "Done; no body"}}


class DeclaredRouter(APIRouter):
    def add(
        self,
        method: str,
        path: str,
        endpoint: Callable[..., Any],
        summary: str,
        responses: Answers,
        *,
        status: int | None = None,
        name: str | None = None,
        response_class: type[Response] | None = None,
    ) -> None:
        extra: dict[str, Any] = {} if response_class is None else {"response_class": response_class}
        self.add_api_route(
            path,
            endpoint,
            methods=[method],
            status_code=status,
            name=name,
            response_model=None,
            summary=summary,
            responses={**NO_CONTENT, **responses} if status == 204 else responses,
            **extra,
        )

    def declare(
        self,
        method: str,
        path: str,
        summary: str,
        responses: Answers,
        *,
        status: int | None = None,
        response_class: type[Response] | None = None,
    ) -> Callable[[Endpoint], Endpoint]:
        """The decorator form of `add`, for an endpoint written out."""

        def declared(endpoint: Endpoint) -> Endpoint:
            self.add(
                method,
                path,
                endpoint,
                summary,
                responses,
                status=status,
                response_class=response_class,
            )
            return endpoint

        return declared
