"""Cursor pagination (API.md §10.2): pages read by key, not by offset.

A cursor names the last item a page showed, by the list's own order (timestamp, id,
newest first), and the list it came from (the route, its path parameters and its search),
signed so that a client can neither forge a position nor carry it to another list. Every
list endpoint takes a `Listing` (`page`/`limit`, or `cursor`/`limit`) through one
dependency, so no list can forget to accept cursors or check them.
"""

import base64
import binascii
import hashlib
import hmac
import json
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Annotated, Any, Protocol, get_args

from fastapi import Depends, Query, Request
from sqlalchemy import ColumnElement, Uuid, bindparam, tuple_

from mutuals.kit.errors import AppError
from mutuals.kit.pagination import PageParam, PageRequest, envelope, parse_page
from mutuals.models.base import UtcDateTime

CursorParam = Annotated[
    str | None,
    Query(
        description="Read by key instead of by page: empty for the first page, then the "
        "previous answer's nextCursor (not with page)"
    ),
]
SIGNATURE_BYTES = 16


class CursorSigner:
    """Signs cursors with a key derived from the deployment's secret."""

    def __init__(self, secret: bytes) -> None:
        self._key = hmac.new(secret, b"mutuals cursors v1", hashlib.sha256).digest()

    def _signature(self, payload: bytes) -> bytes:
        return hmac.new(self._key, payload, hashlib.sha256).digest()[:SIGNATURE_BYTES]

    def encode(self, list_binding: str, at: datetime, item_id: uuid.UUID) -> str:
        payload = json.dumps(
            [list_binding, at.isoformat(), str(item_id)], separators=(",", ":")
        ).encode()
        token = payload + self._signature(payload)
        return base64.urlsafe_b64encode(token).rstrip(b"=").decode()

    def decode(self, cursor: str, list_binding: str) -> tuple[datetime, uuid.UUID] | None:
        """The position in a cursor of this list, or None when it is not one."""
        try:
            token = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        except (binascii.Error, ValueError):
            return None
        payload, signature = token[:-SIGNATURE_BYTES], token[-SIGNATURE_BYTES:]
        if len(token) <= SIGNATURE_BYTES or not hmac.compare_digest(
            signature, self._signature(payload)
        ):
            return None
        try:
            binding, at, item_id = json.loads(payload)
            position = (datetime.fromisoformat(at), uuid.UUID(item_id))
        except (ValueError, TypeError):  # pragma: no cover - only we sign payloads
            return None
        return position if binding == list_binding else None


@dataclass(frozen=True)
class CursorRequest:
    """A page read by key: `after` is the (timestamp, id) of the last item already seen."""

    limit: int
    list_binding: str
    after: tuple[datetime, uuid.UUID] | None
    signer: CursorSigner = field(compare=False, repr=False)


Listing = PageRequest | CursorRequest


SEARCH_PARAMETERS = ("query", "searchFields")


class Owner(Protocol):
    """Whoever a caller's own list belongs to: the signed-in user (or the user a service
    key acts for)."""

    @property
    def user_id(self) -> uuid.UUID: ...


def list_binding(
    template: str, path_params: dict[str, Any], query: dict[str, str], owner_id: uuid.UUID | None
) -> str:
    """What makes two requests the same list: the route, its path parameters (project,
    listed user), the search, and for the caller's own lists (`/connections`, `/blocks`,
    …) the caller, whom the path does not name. Not the viewer of another user's list:
    the same public list may be read by anyone, or by a service key acting for its user."""
    parts = [template, *(f"{name}={value}" for name, value in sorted(path_params.items()))]
    parts += [f"{name}={query.get(name, '')}" for name in SEARCH_PARAMETERS]
    if owner_id is not None:
        parts.append(f"owner={owner_id}")
    return "\n".join(parts)


def listing(
    invalid_query: type[AppError],
    invalid_cursor: type[AppError],
    *,
    owner: Any = None,
    default_limit: int = 20,
    max_limit: int = 100,
) -> Any:
    """The dependency of a list endpoint: a page by number, or a page by cursor.

    `owner` is the caller dependency of a caller's own list (`Annotated[UserCaller,
    Depends(…)]`): its cursors are bound to the caller. The endpoint takes the same
    dependency, so it is solved once per request."""
    limit_description = f"Page size, 1-{max_limit} (default {default_limit})"
    Limit = Annotated[str | None, Query(description=limit_description)]  # noqa: N806 - a type

    def resolved(
        request: Request, page: str | None, limit: str | None, cursor: str | None, owner: Any
    ) -> Listing:
        by_number = parse_page(
            page, limit, invalid_query, default_limit=default_limit, max_limit=max_limit
        )
        if cursor is None:
            return by_number
        if page is not None:
            raise invalid_query("Send either page or cursor, not both")
        route = request.scope.get("route")
        binding = list_binding(
            getattr(route, "path", request.url.path),
            request.path_params,
            dict(request.query_params),
            owner.user_id if owner is not None else None,
        )
        signer: CursorSigner = request.app.state.cursor_signer
        if cursor == "":
            return CursorRequest(by_number.limit, binding, None, signer)
        position = signer.decode(cursor, binding)
        if position is None:
            raise invalid_cursor()
        return CursorRequest(by_number.limit, binding, position, signer)

    if owner is None:

        async def of_listed_user(
            request: Request,
            page: PageParam = None,
            limit: Limit = None,
            cursor: CursorParam = None,
        ) -> Listing:
            return resolved(request, page, limit, cursor, None)

        return Depends(of_listed_user)

    caller_dependency = get_args(owner)[1]

    async def of_caller(
        request: Request,
        page: PageParam = None,
        limit: Limit = None,
        cursor: CursorParam = None,
        caller: Owner = caller_dependency,
    ) -> Listing:
        return resolved(request, page, limit, cursor, caller)

    return Depends(of_caller)


def after_position(at: ColumnElement[Any], item_id: ColumnElement[Any]) -> ColumnElement[bool]:
    """Items after the cursor's in newest-first order: one range of the list's index."""
    return tuple_(at, item_id) < tuple_(
        bindparam("after_at", type_=UtcDateTime()), bindparam("after_id", type_=Uuid())
    )


def reads_after(listing: Listing) -> bool:
    """Whether the page starts after a cursor's item (its statement needs the condition)."""
    return isinstance(listing, CursorRequest) and listing.after is not None


def page_parameters(listing: Listing) -> dict[str, Any]:
    """Bind parameters `page_limit`, `page_offset` (and the cursor's position). A page by
    cursor reads one extra row, which tells whether there is more without counting."""
    if isinstance(listing, PageRequest):
        return {"page_limit": listing.limit, "page_offset": listing.offset}
    parameters: dict[str, Any] = {"page_limit": listing.limit + 1, "page_offset": 0}
    if listing.after is not None:
        parameters["after_at"], parameters["after_id"] = listing.after
    return parameters


def depth(listing: Listing) -> int:
    """How many rows from the top of the list (or of the cursor) a page needs at most."""
    if isinstance(listing, PageRequest):
        return listing.offset + listing.limit
    return listing.limit + 1


def listed(
    items: list[dict[str, Any]],
    rows: Sequence[Any],
    listing: Listing,
    total: int | None,
    position: Callable[[Any], tuple[datetime, uuid.UUID]],
) -> dict[str, Any]:
    """The answer's envelope: by page (with totals) or by cursor (without). `rows` are the
    rows read (a page by cursor reads one more than it shows), `items` their bodies."""
    if isinstance(listing, PageRequest):
        return envelope(items, listing, total or 0)
    has_more = len(rows) > listing.limit
    next_cursor = None
    if has_more:
        at, item_id = position(rows[listing.limit - 1])
        next_cursor = listing.signer.encode(listing.list_binding, at, item_id)
    return {
        "data": items[: listing.limit],
        "pagination": {"pageSize": listing.limit, "nextCursor": next_cursor, "hasMore": has_more},
    }
