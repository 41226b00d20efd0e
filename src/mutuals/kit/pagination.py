"""`page` / `limit` parsing and the list envelope shared by every list endpoint."""

import math
import re
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Query
from pydantic import BaseModel, Field

from mutuals.kit.errors import AppError

_POSITIVE_INTEGER = re.compile(r"[0-9]{1,30}")
# Pages beyond any real table are clamped (like `limit`) and answered as an empty page,
# never sent to the database where they could overflow a 64-bit OFFSET.
MAX_PAGE = 2**31 - 1

PageParam = Annotated[str | None, Query(description="1-based page (default 1)")]
LimitParam = Annotated[str | None, Query(description="Page size, 1-100 (default 20)")]
MAX_OFFSET = 2**53


@dataclass(frozen=True)
class PageRequest:
    page: int
    limit: int

    @property
    def offset(self) -> int:
        return min((self.page - 1) * self.limit, MAX_OFFSET)


def parse_page(
    page: str | None,
    limit: str | None,
    error: type[AppError],
    *,
    default_limit: int = 20,
    max_limit: int = 100,
) -> PageRequest:
    return PageRequest(
        page=min(_positive(page, "page", 1, error), MAX_PAGE),
        limit=min(_positive(limit, "limit", default_limit, error), max_limit),
    )


def _positive(raw: str | None, name: str, default: int, error: type[AppError]) -> int:
    if raw is None:
        return default
    if not _POSITIVE_INTEGER.fullmatch(raw) or int(raw) < 1:
        raise error(f"{name} must be a positive integer")
    return int(raw)


class Pagination(BaseModel):
    page: int
    page_size: int = Field(alias="pageSize")
    total_pages: int = Field(alias="totalPages")
    total_items: int = Field(alias="totalItems")
    has_more: bool = Field(alias="hasMore")


class CursorPagination(BaseModel):
    """The pagination of a page read by cursor (`cursor` sent): no totals."""

    page_size: int = Field(alias="pageSize")
    next_cursor: str | None = Field(alias="nextCursor")
    has_more: bool = Field(alias="hasMore")


# What a list answers: by page number (with totals), or by cursor.
ListPagination = Pagination | CursorPagination


def envelope(items: list[dict[str, Any]], request: PageRequest, total: int) -> dict[str, Any]:
    return {
        "data": items,
        "pagination": {
            "page": request.page,
            "pageSize": request.limit,
            "totalPages": math.ceil(total / request.limit),
            "totalItems": total,
            "hasMore": request.page * request.limit < total,
        },
    }
