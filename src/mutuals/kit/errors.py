"""Domain errors: each carries a status and a code (`connection/not-found`) and knows
nothing of the framework. kit/http/errors.py renders them as {"error", "code"}; routers
list the ones they can answer in their OpenAPI `responses=` (`documented`)."""

from typing import Any, ClassVar

from pydantic import BaseModel


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
