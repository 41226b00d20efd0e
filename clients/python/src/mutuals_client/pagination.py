"""Lists you can loop over: `for user in client.follows.followers(uid)` (or `async for`).

Pages are read by cursor (API.md §10.2), so a walk over a long list costs the same per page
from the first to the last, and nothing repeats or goes missing while the list changes.
"""

from collections.abc import AsyncIterator, Awaitable, Iterator
from dataclasses import dataclass
from typing import Any, Generic, Protocol, TypeVar

from mutuals_client._core import Call, Item, ListCall, Route

Result = TypeVar("Result")


@dataclass(frozen=True)
class Page(Generic[Item]):
    items: list[Item]
    next_cursor: str | None

    @property
    def has_more(self) -> bool:
        return self.next_cursor is not None


class SyncRunner(Protocol):
    def run(self, route: Route, call: Call[Result]) -> Result: ...


class AsyncRunner(Protocol):
    def run(self, route: Route, call: Call[Result]) -> Awaitable[Result]: ...


def page_call(listed: ListCall[Item], cursor: str) -> Call[Page[Item]]:
    query: dict[str, Any] = {**listed.query, "cursor": cursor}
    if listed.page_size is not None:
        query["limit"] = listed.page_size

    def parse(body: Any) -> Page[Item]:
        items = [listed.item(element) for element in body["data"]]
        return Page(items, body["pagination"].get("nextCursor"))

    return Call(parse, path=listed.path, query=query)


class Pager(Generic[Item]):
    """Iterates over every item of a list, one request per page."""

    def __init__(self, runner: SyncRunner, route: Route, listed: ListCall[Item]) -> None:
        self._runner = runner
        self._route = route
        self._listed = listed

    def pages(self, cursor: str = "") -> Iterator[Page[Item]]:
        """Page by page, from `cursor` (a page's `next_cursor`) or from the start."""
        while True:
            page = self._runner.run(self._route, page_call(self._listed, cursor))
            yield page
            if page.next_cursor is None:
                return
            cursor = page.next_cursor

    def __iter__(self) -> Iterator[Item]:
        for page in self.pages():
            yield from page.items


class AsyncPager(Generic[Item]):
    """As `Pager`, for `async for`."""

    def __init__(self, runner: AsyncRunner, route: Route, listed: ListCall[Item]) -> None:
        self._runner = runner
        self._route = route
        self._listed = listed

    async def pages(self, cursor: str = "") -> AsyncIterator[Page[Item]]:
        while True:
            page = await self._runner.run(self._route, page_call(self._listed, cursor))
            yield page
            if page.next_cursor is None:
                return
            cursor = page.next_cursor

    async def __aiter__(self) -> AsyncIterator[Item]:
        async for page in self.pages():
            for item in page.items:
                yield item
