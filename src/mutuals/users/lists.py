"""The lists of users a user has (connections, followers, following) and their counts, for
both subjects: a user named in the path, which anyone may read, and the caller's own.

The endpoints are written once here; a feature names the path, what it reads and the
answers it documents. A user's lists are public reads the replica may serve.
"""

from collections.abc import Awaitable, Callable
from typing import Annotated, Any

from sqlalchemy.ext.asyncio import AsyncConnection

from mutuals.auth.subjects import Subject
from mutuals.kit.cursors import Listing
from mutuals.kit.db.request import Transaction, reads_from_replica
from mutuals.kit.errors import AppError
from mutuals.kit.http.responses import JsonBody
from mutuals.kit.http.routes import Answers, DeclaredRouter
from mutuals.users.search import Search, SearchFieldsParam, SearchParam, parse_search

ReadList = Callable[[AsyncConnection, Subject, Listing, Search | None], Awaitable[Any]]
ReadCount = Callable[[AsyncConnection, Subject], Awaitable[Any]]


def add_user_list(
    router: DeclaredRouter,
    path: str,
    name: str,
    summary: str,
    answers: Answers,
    *,
    subject: Any,
    listing_dependency: Any,
    invalid_query: type[AppError],
    read: ReadList,
) -> None:
    """`subject` and `listing_dependency` are dependencies (`Depends`): whose list, which
    page; `invalid_query` is the list's code for a bad `query` or `searchFields`."""

    async def user_list(
        of: Annotated[Subject, subject],
        connection: Transaction,
        listing: Annotated[Listing, listing_dependency],
        query: SearchParam = None,
        search_fields: SearchFieldsParam = None,
    ) -> JsonBody:
        search = parse_search(query, search_fields, invalid_query)
        return JsonBody(await read(connection, of, listing, search))

    endpoint = reads_from_replica(user_list) if _public(path) else user_list
    router.add("GET", path, endpoint, summary, answers, name=name)


def add_user_count(
    router: DeclaredRouter,
    path: str,
    name: str,
    summary: str,
    answers: Answers,
    *,
    subject: Any,
    read: ReadCount,
) -> None:
    async def user_count(of: Annotated[Subject, subject], connection: Transaction) -> JsonBody:
        return JsonBody(await read(connection, of))

    endpoint = reads_from_replica(user_count) if _public(path) else user_count
    router.add("GET", path, endpoint, summary, answers, name=name)


def _public(path: str) -> bool:
    """A user's list (the path names the user) is public; the caller's own is not."""
    return "{userId}" in path
