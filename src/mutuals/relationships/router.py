"""The five endpoints of API.md §8. Parsing and wiring only; rules live in service.py."""

from typing import Annotated

from fastapi import Query, Request

from mutuals.auth.access import USER_ACCESS_ERRORS, DiscoveryUser
from mutuals.auth.endpoints import acting_on
from mutuals.config import Settings
from mutuals.connections.errors import (
    ConnectionUserNotFound,
    InvalidCursor,
    InvalidQuery,
    InvalidUserId,
    SelfCheck,
)
from mutuals.idempotency.route import IdempotentRoute
from mutuals.kit.cursors import Listing, listing
from mutuals.kit.db.request import Transaction
from mutuals.kit.errors import documented, error_responses
from mutuals.kit.http.responses import JsonBody
from mutuals.kit.http.routes import DeclaredRouter
from mutuals.kit.ids import IdPath
from mutuals.kit.pagination import parse_page
from mutuals.relationships import service
from mutuals.relationships.errors import InvalidRelationshipQuery
from mutuals.relationships.repository import SharedList
from mutuals.relationships.schemas import Relationships, SharedUserPage, Suggestions

router = DeclaredRouter(tags=["relationships"], route_class=IdempotentRoute)

IdsParam = Annotated[
    list[str] | None,
    Query(description="Up to 100 user ids: comma-separated, or the parameter repeated"),
]
SuggestionLimitParam = Annotated[str | None, Query(description="1-50 (default 10)")]


@router.declare(
    "GET",
    "/relationships",
    "How I relate to up to 100 users, in one call",
    documented(Relationships, InvalidRelationshipQuery, *USER_ACCESS_ERRORS),
)
async def relationships(
    caller: DiscoveryUser, connection: Transaction, ids: IdsParam = None
) -> JsonBody:
    user_ids = service.parse_ids(ids)
    return JsonBody(
        await service.relationships(connection, caller.project_id, caller.user_id, user_ids)
    )


def _add_shared_route(shared: SharedList, summary: str) -> None:
    """Mutual connections and known followers differ only in which edges they share."""

    async def shared_list(
        userId: IdPath,  # noqa: N803 - the contract's path parameter name
        caller: DiscoveryUser,
        connection: Transaction,
        listing: Annotated[Listing, listing(InvalidQuery, InvalidCursor)],
    ) -> JsonBody:
        return JsonBody(
            await service.shared_list(
                connection, caller.project_id, caller.user_id, userId, shared, listing
            )
        )

    router.add(
        "GET",
        f"/users/{{userId}}/{shared}",
        shared_list,
        summary,
        documented(
            SharedUserPage,
            InvalidUserId,
            InvalidQuery,
            InvalidCursor,
            SelfCheck,
            ConnectionUserNotFound,
            *USER_ACCESS_ERRORS,
        ),
        name=shared.replace("-", "_"),
    )


_add_shared_route(
    "mutual-connections",
    "My connections who are also this user's, by when I connected with them",
)
_add_shared_route(
    "known-followers",
    "This user's followers whom I follow, newest follow of this user first",
)


@router.declare(
    "GET",
    "/connections/suggestions",
    "People I may know: two connection hops away, ranked by mutual connections",
    documented(Suggestions, InvalidQuery, *USER_ACCESS_ERRORS),
)
async def suggestions(
    request: Request,
    caller: DiscoveryUser,
    connection: Transaction,
    limit: SuggestionLimitParam = None,
) -> JsonBody:
    settings: Settings = request.app.state.settings
    wanted = parse_page(
        None, limit, InvalidQuery, default_limit=10, max_limit=service.MAX_SUGGESTIONS
    ).limit
    return JsonBody(
        await service.suggestions(
            connection,
            caller.project_id,
            caller.user_id,
            wanted,
            settings.suggestion_dismiss_days,
        )
    )


router.add(
    "DELETE",
    "/connections/suggestions/{userId}",
    acting_on(
        "dismiss_suggestion", "userId", DiscoveryUser, service.dismiss_suggestion, status=204
    ),
    "Stop suggesting a user (for 90 days by default)",
    error_responses(InvalidUserId, *USER_ACCESS_ERRORS),
    status=204,
)
