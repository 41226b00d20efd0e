"""Rows named by their keys: the WHERE that reads or changes one row (or one user's rows)
by equality on columns, written as the columns' names and values."""

from typing import Any

from sqlalchemy import ColumnElement, RowMapping, Table, and_
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.sql import Executable


def matching(table: Table, **values: Any) -> ColumnElement[bool]:
    """`table.c.<name> == value` for every name given, all of them."""
    return and_(*(table.c[name] == value for name, value in values.items()))


async def one_or_none(connection: AsyncConnection, statement: Executable) -> RowMapping | None:
    """The statement's only row as a mapping, or None (a second row is an error)."""
    result = await connection.execute(statement)
    return result.mappings().one_or_none()
