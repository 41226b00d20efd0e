"""Errors by kind: catch a family (`NotFound`, `Conflict`, …) and read `code` for the detail.

Every error the service answers carries `status`, `code` (`"connection/not-found"`; `None`
for the two bare credential answers), `message`, `field` (when one field is at fault) and
`request_id` (the `X-Request-Id` to quote in a bug report).
"""

from typing import Any

import httpx


class MutualsError(Exception):
    """Anything the client raises about a call that did not succeed."""

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        code: str | None = None,
        field: str | None = None,
        request_id: str | None = None,
        body: Any = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.code = code
        self.field = field
        self.request_id = request_id
        self.body = body

    @property
    def area(self) -> str | None:
        """The part of the code before the slash (`"connection"`, `"follow"`, …)."""
        if self.code is None or "/" not in self.code:
            return None
        return self.code.split("/", 1)[0]

    def __str__(self) -> str:
        parts = [str(self.status)] if self.status is not None else []
        if self.code:
            parts.append(self.code)
        parts.append(self.message)
        if self.request_id:
            parts.append(f"(request {self.request_id})")
        return " ".join(parts)


class APIConnectionError(MutualsError):
    """The service could not be reached, or the answer was lost, after every retry."""


class BadRequest(MutualsError):
    """400: the call itself is wrong (an id that is not a UUID, a field out of bounds, …)."""


class PayloadTooLarge(BadRequest):
    """413: the body is over 64 KiB."""


class Unauthorized(MutualsError):
    """401: no credential, a wrong password, or a refresh token reused after its grace."""


class CredentialMissing(Unauthorized):
    """The bare 401: the endpoint needs a credential and none was sent."""


class Forbidden(MutualsError):
    """403: the caller may not do this (the code says why)."""


class CredentialRejected(Forbidden):
    """The bare 403: the credential is malformed, expired, revoked or of another project.

    A session client refreshes its access token once on this before raising it."""


class NotFound(MutualsError):
    """404."""


class Conflict(MutualsError):
    """409: the change clashes with the current state (already following, pending, …)."""


class Unprocessable(MutualsError):
    """422: e.g. an idempotency key reused with another request."""


class RateLimited(MutualsError):
    """429, after the client's own retries. `retry_after` is in seconds."""

    def __init__(self, message: str, *, retry_after: float | None = None, **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        self.retry_after = retry_after


class ServerError(MutualsError):
    """5xx."""


class Unavailable(ServerError):
    """503: the service's database is unreachable; retried by the client before raising."""


class WebhookVerificationError(MutualsError):
    """A webhook delivery whose signature, timestamp or body does not check out."""


_BY_STATUS: dict[int, type[MutualsError]] = {
    400: BadRequest,
    401: Unauthorized,
    403: Forbidden,
    404: NotFound,
    409: Conflict,
    413: PayloadTooLarge,
    422: Unprocessable,
    429: RateLimited,
    503: Unavailable,
}


def retry_after_seconds(response: httpx.Response) -> float | None:
    value = response.headers.get("Retry-After")
    if value is None:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        return None


def is_bare_credential_failure(response: httpx.Response) -> bool:
    """The two answers on which a session refreshes its token (API.md §1)."""
    return response.status_code in (401, 403) and not response.headers.get(
        "content-type", ""
    ).startswith("application/json")


def error_from_response(response: httpx.Response) -> MutualsError:
    status = response.status_code
    request_id = response.headers.get("X-Request-Id")
    if is_bare_credential_failure(response):
        bare = CredentialMissing if status == 401 else CredentialRejected
        return bare(response.text or "credential failure", status=status, request_id=request_id)
    body: Any = None
    message, code, field = response.reason_phrase or f"HTTP {status}", None, None
    try:
        body = response.json()
    except ValueError:
        body = response.text
    if isinstance(body, dict):
        message = str(body.get("error", message))
        code = body.get("code")
        field = body.get("field")
    kind = _BY_STATUS.get(status, ServerError if status >= 500 else MutualsError)
    common: dict[str, Any] = {
        "status": status,
        "code": code,
        "field": field,
        "request_id": request_id,
        "body": body,
    }
    if kind is RateLimited:
        return RateLimited(message, retry_after=retry_after_seconds(response), **common)
    return kind(message, **common)
