"""A real uvicorn server on a loopback port, for tests that need real parallel HTTP."""

import asyncio
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import httpx
import uvicorn

from mutuals.app import create_app
from mutuals.config import Settings
from tests.databases import SERVED_POOL
from tests.factories import Member, ProjectFactory


@contextmanager
def live_server(settings: Settings) -> Iterator[str]:
    """Serves the app in a background thread; yields its base URL."""
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", 0))
    port = listener.getsockname()[1]
    app = create_app(settings.model_copy(update=SERVED_POOL))
    config = uvicorn.Config(app, log_level="warning", lifespan="on", backlog=512)
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [listener]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the live server did not start")
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=30)
        listener.close()


def call(
    live: httpx.AsyncClient, project: ProjectFactory, method: str, path: str, user: Member
) -> "asyncio.Future[httpx.Response]":
    """A request as `user`, started now, for gathering with others in parallel."""
    return asyncio.ensure_future(
        live.request(method, project.base + path, headers=user.auth, json={})
    )
