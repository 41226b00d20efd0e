"""The four endpoints of API.md §7. Parsing and wiring only; rules live in service.py."""

from typing import Annotated

from mutuals.auth.access import USER_ACCESS_ERRORS, BlockChangeUser, CurrentUser
from mutuals.auth.endpoints import acting_on
from mutuals.blocks import service
from mutuals.blocks.errors import (
    BlockUserNotFound,
    InvalidCursor,
    InvalidQuery,
    InvalidUserId,
    SelfBlock,
    SelfCheck,
)
from mutuals.blocks.schemas import Block, Blocking, BlockPage, NotBlocking
from mutuals.idempotency.route import IdempotentRoute
from mutuals.kit.cursors import Listing, listing
from mutuals.kit.db.request import Transaction
from mutuals.kit.errors import InvalidBody, InvalidJson, documented, error_responses
from mutuals.kit.http.responses import JsonBody
from mutuals.kit.http.routes import DeclaredRouter
from mutuals.kit.ids import IdPath

router = DeclaredRouter(tags=["blocks"], route_class=IdempotentRoute)


@router.declare(
    "POST",
    "/users/{userId}/block",
    "Block a user: severs follows and connections both ways, silently",
    {
        **documented(
            Block,
            InvalidUserId,
            SelfBlock,
            BlockUserNotFound,
            InvalidJson,
            InvalidBody,
            *USER_ACCESS_ERRORS,
            status=201,
        ),
        200: {"model": Block, "description": "Already blocked: the existing block"},
    },
    status=201,
)
async def block(
    userId: IdPath,  # noqa: N803 - the Replyke path parameter name
    caller: BlockChangeUser,
    connection: Transaction,
) -> JsonBody:
    body, created = await service.block(connection, caller.project_id, caller.user_id, userId)
    return JsonBody(body, status_code=201 if created else 200)


router.add(
    "DELETE",
    "/users/{userId}/block",
    acting_on("unblock", "userId", BlockChangeUser, service.unblock, status=204),
    "Unblock a user (204 also when there was no block)",
    error_responses(InvalidUserId, *USER_ACCESS_ERRORS),
    status=204,
)
router.add(
    "GET",
    "/users/{userId}/block",
    acting_on("block_status", "userId", CurrentUser, service.block_status),
    "Whether I block a user",
    documented(Blocking | NotBlocking, InvalidUserId, SelfCheck, *USER_ACCESS_ERRORS),
)


@router.declare(
    "GET",
    "/blocks",
    "Users I block, newest first",
    documented(BlockPage, InvalidQuery, InvalidCursor, *USER_ACCESS_ERRORS),
)
async def my_blocks(
    caller: CurrentUser,
    connection: Transaction,
    listing: Annotated[Listing, listing(InvalidQuery, InvalidCursor, owner=CurrentUser)],
) -> JsonBody:
    return JsonBody(
        await service.list_blocks(connection, caller.project_id, caller.user_id, listing)
    )
