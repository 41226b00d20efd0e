"""The SQL of a page of a list, newest first (API.md §10): one shape for every list.

The order is the list's index order, (timestamp, id) descending; the bounds are bind
parameters (`page_parameters` in kit/cursors.py fills them), so a prepared statement
serves every page.
"""

from typing import Any, TypeVar

from sqlalchemy import ColumnElement, Integer, RowMapping, Select, and_, bindparam, func, select
from sqlalchemy.ext.asyncio import AsyncConnection

from mutuals.kit.cursors import Listing, after_position, page_parameters, reads_after
from mutuals.kit.pagination import PageRequest

Statement = TypeVar("Statement", bound=Select[Any])


def newest_first(
    statement: Statement, at: ColumnElement[Any], item_id: ColumnElement[Any]
) -> Statement:
    return (
        statement.order_by(at.desc(), item_id.desc())
        .limit(bindparam("page_limit", type_=Integer))
        .offset(bindparam("page_offset", type_=Integer))
    )


async def read_page(
    connection: AsyncConnection,
    query: Select[Any],
    condition: ColumnElement[bool],
    at: Any,
    item_id: Any,
    listing: Listing,
) -> tuple[list[RowMapping], int | None]:
    """A page of `query` over the rows of `at`'s table that meet `condition`, newest first,
    and their total (None for a page by cursor, which never counts)."""
    total = None
    if isinstance(listing, PageRequest):
        counted = select(func.count()).select_from(at.table).where(condition)
        total = await connection.scalar(counted) or 0
        if listing.offset >= total:
            return [], total
    if reads_after(listing):
        condition = and_(condition, after_position(at, item_id))
    result = await connection.execute(
        newest_first(query.where(condition), at, item_id), page_parameters(listing)
    )
    return list(result.mappings()), total
