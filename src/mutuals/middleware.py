"""The one pure ASGI middleware every request passes: request id, body cap, rate-limit
headers, and the request's log line and metrics.

One layer rather than four: each ASGI layer wraps `send` (and some `receive`) again, and
the wrapping showed up as a fifth of a read request's time in profiles.
"""

import time
import uuid

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from mutuals.errors import RequestTooLarge, error_response
from mutuals.observability import record_request
from mutuals.ratelimit import STATE_KEY, WindowState

BODY_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


class HttpEdge:
    def __init__(self, app: ASGIApp, max_body_bytes: int) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        request_id = ""
        for name, value in scope["headers"]:
            if name == b"x-request-id":
                candidate = value.decode("latin-1")
                # Echo a client's id only when it is sane; otherwise make one.
                if 0 < len(candidate) <= 128 and candidate.isprintable():
                    request_id = candidate
            elif name == b"content-length" and (
                not value.isdigit() or int(value) > self.max_body_bytes
            ):
                await error_response(RequestTooLarge())(scope, receive, send)
                return
        request_id = request_id or uuid.uuid4().hex
        state = scope.setdefault("state", {})
        state["request_id"] = request_id
        status = 500

        async def send_with_headers(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = list(message.get("headers", []))
                headers.append((b"x-request-id", request_id.encode("latin-1")))
                window = state.get(STATE_KEY)
                if isinstance(window, WindowState):
                    headers += window.headers()
                    if status == 429:
                        headers.append((b"retry-after", str(max(1, window.reset_seconds)).encode()))
                message["headers"] = headers
            await send(message)

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
