"""A real HTTP endpoint that receives webhooks in tests: it records every request and
answers what the test scripted (a status per request, optionally after a delay)."""

import asyncio
import json
import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass(frozen=True)
class Received:
    headers: dict[str, str]
    body: bytes
    at: float

    @property
    def event(self) -> dict[str, Any]:
        parsed: dict[str, Any] = json.loads(self.body)
        return parsed


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


class Receiver:
    """Answers 200 unless `answers` (consumed one per request) says otherwise."""

    def __init__(self, port: int | None = None) -> None:
        self.port = port or free_port()
        self.received: list[Received] = []
        # Webhook ids whose answer was written in full: a sender killed while it waited
        # never got these, and must send the event again.
        self.answered: list[str] = []
        self.answers: list[int] = []
        self.delay_seconds = 0.0
        self._changed = threading.Condition()
        self._server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hooks"

    def start(self) -> None:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", "0"))
                body = self.rfile.read(length)
                # Recorded on arrival, answered after the delay: a test can act while the
                # sender still waits for the answer.
                with receiver._changed:
                    headers = {name.lower(): value for name, value in self.headers.items()}
                    receiver.received.append(Received(headers, body, time.monotonic()))
                    status = receiver.answers.pop(0) if receiver.answers else 200
                    receiver._changed.notify_all()
                if receiver.delay_seconds:
                    time.sleep(receiver.delay_seconds)
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()
                self.wfile.flush()
                with receiver._changed:
                    receiver.answered.append(headers.get("x-webhook-id", ""))
                    receiver._changed.notify_all()

            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
                return

        server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        server.daemon_threads = True
        self._server = server
        threading.Thread(target=server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def event_ids(self) -> list[str]:
        with self._changed:
            return [item.headers["x-webhook-id"] for item in self.received]

    def answered_ids(self) -> set[str]:
        with self._changed:
            return set(self.answered)

    async def wait_until(
        self, condition: Callable[[list[Received]], bool], within: float = 20.0
    ) -> list[Received]:
        """Waits (without polling) until `condition` holds for what was received."""

        def wait() -> bool:
            with self._changed:
                return self._changed.wait_for(lambda: condition(self.received), within)

        if not await asyncio.to_thread(wait):
            raise AssertionError(f"received {len(self.received)} requests; condition not met")
        with self._changed:
            return list(self.received)

    async def wait_for(self, count: int, within: float = 20.0) -> list[Received]:
        return await self.wait_until(lambda received: len(received) >= count, within)


@contextmanager
def receiving(port: int | None = None) -> Iterator[Receiver]:
    receiver = Receiver(port)
    receiver.start()
    try:
        yield receiver
    finally:
        receiver.stop()
