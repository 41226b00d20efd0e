"""Hypothesis from async tests: examples run in a thread and call back into the test's loop."""

import asyncio
import functools
import json
from collections.abc import Callable, Coroutine
from typing import Any

import httpx
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.factories import Member, ProjectFactory


async def run_examples(
    test: Callable[..., None], examples: int, **strategies: st.SearchStrategy[Any]
) -> None:
    """Runs `test` on inputs drawn from `strategies`, in a thread (it calls back into this
    loop), and checks that hypothesis really tried `examples` of them."""
    tried = 0

    @functools.wraps(test)
    def counted(*args: Any, **kwargs: Any) -> None:
        nonlocal tried
        tried += 1
        test(*args, **kwargs)

    configured = settings(
        max_examples=examples,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
        database=None,
    )(given(**strategies)(counted))
    await asyncio.to_thread(configured)
    assert tried >= examples, f"only {tried} of {examples} examples ran"


class Caller:
    """Calls the app from hypothesis' thread through the test's event loop."""

    def __init__(self, project: ProjectFactory, loop: asyncio.AbstractEventLoop) -> None:
        self.project = project
        self.loop = loop

    def wait(self, coroutine: Coroutine[Any, Any, Any]) -> Any:
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result(timeout=60)

    def send(
        self, method: str, path: str, who: Member | None = None, body: Any = None
    ) -> httpx.Response:
        kwargs: dict[str, Any] = {}
        if body is not None:
            kwargs = {
                "content": json.dumps(body).encode(),
                "headers": {"Content-Type": "application/json"},
            }
        response: httpx.Response = self.wait(self.project.call(method, path, who, **kwargs))
        assert response.status_code < 500, (method, path, response.status_code, response.text)
        return response
