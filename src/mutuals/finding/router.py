"""The five endpoints of API.md §12. Parsing and wiring only; rules live in service.py.

Included before the users router, so `/users/by-username` is not read as a user id.
"""

from typing import Annotated

from fastapi import Query

from mutuals.auth.access import VISITOR_ACCESS_ERRORS, PublicVisitor, SearchingVisitor, Visitor
from mutuals.finding import service
from mutuals.finding.errors import InvalidSearchBody, InvalidUsername
from mutuals.finding.schemas import Availability, SearchBody, SearchHit
from mutuals.finding.service import Asker
from mutuals.idempotency.route import IdempotentRoute
from mutuals.kit.db.request import Transaction, writes_when
from mutuals.kit.errors import InvalidJson, documented
from mutuals.kit.http.errors import validation_errors_as
from mutuals.kit.http.responses import JsonBody
from mutuals.kit.http.routes import DeclaredRouter
from mutuals.users.errors import DuplicateUsername, InvalidUserParams, UserForbidden, UserNotFound
from mutuals.users.schemas import AuthUser, User

router = DeclaredRouter(
    tags=["finding users"],
    route_class=validation_errors_as(InvalidUserParams, base=IdempotentRoute),
)
search_router = DeclaredRouter(
    tags=["finding users"],
    route_class=validation_errors_as(InvalidSearchBody, base=IdempotentRoute),
)

Text = Annotated[str | None, Query()]


def _asker(visitor: Visitor) -> Asker:
    return Asker(visitor.project_id, visitor.user_id, visitor.is_service)


@router.declare(
    "GET",
    "/users/by-foreign-id",
    "A user by the app's own id; with the service key, created when absent",
    documented(
        AuthUser | User,
        InvalidUserParams,
        UserForbidden,
        UserNotFound,
        DuplicateUsername,
        *VISITOR_ACCESS_ERRORS,
    ),
)
@writes_when(lambda request: request.query_params.get("createIfNotFound") == "true")
async def by_foreign_id(
    visitor: PublicVisitor,
    connection: Transaction,
    foreign_id: Annotated[str | None, Query(alias="foreignId")] = None,
    create_if_not_found: Annotated[str | None, Query(alias="createIfNotFound")] = None,
    name: Text = None,
    username: Text = None,
    avatar: Text = None,
    bio: Text = None,
    metadata: Annotated[
        str | None, Query(description="A JSON object, URL-encoded (with createIfNotFound)")
    ] = None,
) -> JsonBody:
    asker = _asker(visitor)
    wanted = service.parse_foreign_id(foreign_id)
    if create_if_not_found not in (None, "true", "false"):
        raise InvalidUserParams("createIfNotFound must be true or false", field="createIfNotFound")
    if create_if_not_found != "true":
        return JsonBody(await service.by_foreign_id(connection, asker, wanted))
    service.check_may_create(asker)
    profile = service.creation_fields(
        {"name": name, "username": username, "avatar": avatar, "bio": bio, "metadata": metadata}
    )
    user, created = await service.create_by_foreign_id(connection, asker, wanted, profile)
    return JsonBody(user, status_code=201 if created else 200)


@router.declare(
    "GET",
    "/users/by-username",
    "A user by username (any case, a leading @ ignored)",
    documented(User, InvalidUserParams, UserNotFound, *VISITOR_ACCESS_ERRORS),
)
async def by_username(
    visitor: PublicVisitor, connection: Transaction, username: Text = None
) -> JsonBody:
    return JsonBody(await service.by_username(connection, _asker(visitor), username))


@router.declare(
    "GET",
    "/users/check-username",
    "Whether a username is free to take",
    documented(Availability, InvalidUsername, *VISITOR_ACCESS_ERRORS),
)
async def check_username(
    visitor: PublicVisitor, connection: Transaction, username: Text = None
) -> JsonBody:
    return JsonBody(await service.username_available(connection, visitor.project_id, username))


@router.declare(
    "GET",
    "/users/suggestions",
    "Autocomplete: users whose username or a word of whose name starts with the query, "
    "people the caller knows first",
    documented(list[User], InvalidUserParams, *VISITOR_ACCESS_ERRORS),
)
async def suggestions(
    visitor: SearchingVisitor,
    connection: Transaction,
    query: Text = None,
    limit: Annotated[str | None, Query(description="1-25 (default 10)")] = None,
) -> JsonBody:
    wanted, count = service.parse_suggestion_query(query, limit)
    return JsonBody(await service.suggestions(connection, _asker(visitor), wanted, count))


@search_router.declare(
    "POST",
    "/search/users",
    "Typo-tolerant search of usernames and names, most similar first",
    documented(list[SearchHit], InvalidSearchBody, InvalidJson, *VISITOR_ACCESS_ERRORS),
)
async def search_users(
    visitor: SearchingVisitor, connection: Transaction, body: SearchBody
) -> JsonBody:
    return JsonBody(await service.search(connection, _asker(visitor), body.query, body.limit))
