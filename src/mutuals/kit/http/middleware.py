"""The one pure ASGI middleware every request passes: request id, CORS, body cap, rate-limit
headers, and the request's log line and metrics.

One layer rather than four: each ASGI layer wraps `send` (and some `receive`) again, and
the wrapping showed up as a fifth of a read request's time in profiles.
"""

import time
import uuid

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from mutuals.kit.errors import RequestTooLarge
from mutuals.kit.http.cors import CorsPolicy, Headers, OriginsOfProject, preflight_headers
from mutuals.kit.http.errors import error_response
from mutuals.kit.observability.signals import ERROR_CODE, error_code_of, record_request
from mutuals.kit.ratelimit import STATE_KEY, WindowState

BODY_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


class HttpEdge:
    def __init__(
        self, app: ASGIApp, max_body_bytes: int, cors: CorsPolicy, origins_of: OriginsOfProject
    ) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes
        self.cors = cors
        # Where a project's allowed origins are read from (the projects feature's store).
        self.origins_of = origins_of

    def _read_headers(self, scope: Scope) -> tuple[str, str, bool]:
        """The client's request id when sane, its Origin, and whether the body is too large."""
        request_id = ""
        origin = ""
        too_large = False
        for name, value in scope["headers"]:
            if name == b"x-request-id":
                candidate = value.decode("latin-1")
                if 0 < len(candidate) <= 128 and candidate.isprintable():
                    request_id = candidate
            elif name == b"origin":
                origin = value.decode("latin-1")
            elif name == b"content-length" and (
                not value.isdigit() or int(value) > self.max_body_bytes
            ):
                too_large = True
        return request_id, origin, too_large

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        request_id, origin, too_large = self._read_headers(scope)
        request_id = request_id or uuid.uuid4().hex
        state = scope.setdefault("state", {})
        state["request_id"] = request_id
        status = 500
        cors_headers: Headers | None = None
        if origin:
            cors_headers = await self.cors.response_headers(
                scope["path"],
                origin,
                lambda project_id: self.origins_of(scope["app"].state.database, project_id),
            )

        async def send_with_headers(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = list(message.get("headers", []))
                headers.append((b"x-request-id", request_id.encode("latin-1")))
                if cors_headers:
                    headers += cors_headers
                window = state.get(STATE_KEY)
                if isinstance(window, WindowState):
                    headers += window.headers()
                    if status == 429:
                        headers.append((b"retry-after", str(max(1, window.reset_seconds)).encode()))
                message["headers"] = headers
            elif status >= 400 and ERROR_CODE not in state:
                # The error's code for the request's log line (bodies are small here).
                state[ERROR_CODE] = error_code_of(message.get("body", b""))
            await send(message)

        if origin and scope["method"] == "OPTIONS" and _is_preflight(scope):
            # Answered before routing, credentials and limits: a browser sends none.
            status = await _answer_preflight(send, request_id, cors_headers)
            record_request(scope, status, time.perf_counter() - started)
            return
        if too_large:
            await error_response(RequestTooLarge())(scope, receive, send_with_headers)
            return

        guarded_receive = receive
        if scope["method"] in BODY_METHODS:
            received = 0

            async def counting_receive() -> Message:
                nonlocal received
                message = await receive()
                if message["type"] == "http.request":
                    received += len(message.get("body", b""))
                    if received > self.max_body_bytes:
                        # Raised while the route reads its body (streamed, without a
                        # Content-Length); the framework passes HTTP exceptions through
                        # to our handler, which renders request/too-large.
                        raise HTTPException(status_code=413)
                return message

            guarded_receive = counting_receive

        try:
            await self.app(scope, guarded_receive, send_with_headers)
        finally:
            record_request(scope, status, time.perf_counter() - started)


async def _answer_preflight(send: Send, request_id: str, cors_headers: Headers | None) -> int:
    status = 204 if cors_headers else 403
    headers = [(b"x-request-id", request_id.encode("latin-1"))]
    if cors_headers:
        headers += preflight_headers(cors_headers)
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": b""})
    return status


def _is_preflight(scope: Scope) -> bool:
    return any(name == b"access-control-request-method" for name, _ in scope["headers"])
