"""`query` / `searchFields` of the user lists (API.md §2.4): parsing and the SQL match.

Shared by every list that embeds other users, so a search means the same everywhere.
"""

import uuid
from typing import Annotated, Any, Literal

from fastapi import Query
from sqlalchemy import ColumnElement, String, bindparam, func, or_

from mutuals.kit.errors import AppError
from mutuals.kit.storable import text_problem
from mutuals.models import users
from mutuals.visibility.filters import Viewer, viewer_parameters

SearchField = Literal["username", "name"]
Search = tuple[str, tuple[SearchField, ...]]
MAX_QUERY = 100

SearchParam = Annotated[
    str | None, Query(description="Case-insensitive substring of the username or name")
]
SearchFieldsParam = Annotated[
    str | None, Query(alias="searchFields", description="username, name, or both")
]


def parse_search(
    query: str | None, search_fields: str | None, error: type[AppError]
) -> Search | None:
    """The search to apply, None for none, or `error` (the list's invalid-query code)."""
    fields: tuple[SearchField, ...] = ("username", "name")
    if search_fields is not None:
        requested = {part.strip() for part in search_fields.split(",") if part.strip()}
        if not requested or not requested <= {"username", "name"}:
            raise error("searchFields must be username, name or both")
        fields = tuple(field for field in fields if field in requested)
    if query is None or not query.strip():
        return None
    if len(query) > MAX_QUERY:
        raise error(f"query must be at most {MAX_QUERY} characters")
    problem = text_problem(query)
    if problem is not None:
        raise error(f"query {problem}")
    return query.strip(), fields


def like_pattern(query: str) -> str:
    """A LIKE pattern matching `query` anywhere, with its own % and _ taken literally."""
    escaped = query.lower().replace("/", "//").replace("%", "/%").replace("_", "/_")
    return f"%{escaped}%"


def list_parameters(
    project_id: uuid.UUID, user_id: uuid.UUID, search: Search | None, viewer: Viewer
) -> dict[str, Any]:
    """The bind parameters of a user's list: whose, searched how, seen by whom."""
    parameters: dict[str, Any] = {"project_id": project_id, "user_id": user_id}
    if search is not None:
        parameters["pattern"] = like_pattern(search[0])
    return {**parameters, **viewer_parameters(viewer, user_id)}


def user_matches(fields: tuple[SearchField | Literal["email"], ...]) -> ColumnElement[bool]:
    """The joined `users` row matches the bound `pattern` in one of `fields`."""
    pattern = bindparam("pattern", type_=String())
    return or_(*(func.lower(users.c[field]).like(pattern, escape="/") for field in fields))
