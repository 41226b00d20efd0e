"""Where the database is, and what went wrong reaching it, in one line an operator can act on.

The embedded SQLite file lives in the user's data directory by default
(`$XDG_DATA_HOME/mutuals/mutuals.db`, else `~/.local/share/mutuals/mutuals.db`), so every
command finds the same database whatever directory it runs from.

The drivers raise their own exceptions (a `gaierror`, asyncpg's `InvalidCatalogNameError`,
a bare `TimeoutError`), often wrapped by SQLAlchemy; the CLI turns them into a sentence
that names the host and the database, never the password.
"""

import os
import socket
import sqlite3
import sys
from collections.abc import Iterator
from pathlib import Path

import asyncpg
from sqlalchemy.engine import make_url


def default_sqlite_path() -> Path:
    data_home = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(data_home) / "mutuals" / "mutuals.db"


def default_database_url() -> str:
    return f"sqlite+aiosqlite:///{default_sqlite_path()}"


def prepare_sqlite_file(url: str) -> None:
    """Makes the SQLite file's directory, and says so once when the database is new."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:"):
        return
    path = Path(parsed.database).expanduser().resolve()
    if path.exists():
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    sys.stderr.write(f"mutuals: creating a new SQLite database at {path}\n")


def database_label(url: str) -> str:
    """`SQLite database /abs/path.db` or `PostgreSQL database app on db.internal:5432`."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        path = parsed.database or ":memory:"
        shown = path if path == ":memory:" else str(Path(path).resolve())
        return f"SQLite database {shown}"
    return f"PostgreSQL database {parsed.database or '?'} on {_address(url)}"


def _address(url: str) -> str:
    parsed = make_url(url)
    return f"{parsed.host or 'localhost'}:{parsed.port or 5432}"


def _chain(error: BaseException) -> Iterator[BaseException]:
    seen: set[int] = set()
    pending: list[BaseException | None] = [error]
    while pending:
        current = pending.pop(0)
        if current is None or id(current) in seen:
            continue
        seen.add(id(current))
        yield current
        original = getattr(current, "orig", None)
        wrapped = original if isinstance(original, BaseException) else None
        pending.extend([wrapped, current.__cause__, current.__context__])


def describe_database_error(  # noqa: PLR0911 - one answer per kind of failure
    error: BaseException, url: str, timeout: float
) -> str | None:
    """One line for a failure to reach or use the database, or None if it is not one."""
    parsed = make_url(url)
    label = database_label(url)
    for cause in _chain(error):
        if isinstance(cause, socket.gaierror):
            return f"cannot resolve host {parsed.host!r} ({label})"
        if isinstance(cause, ConnectionRefusedError):
            return f"{_address(url)} refused the connection ({label}): is PostgreSQL running?"
        if isinstance(cause, asyncpg.InvalidCatalogNameError):
            return (
                f"database {parsed.database!r} does not exist on {_address(url)}; "
                f"create it (createdb {parsed.database}) or fix MUTUALS_DATABASE_URL"
            )
        if isinstance(
            cause, asyncpg.InvalidAuthorizationSpecificationError | asyncpg.InvalidPasswordError
        ):
            return f"role {parsed.username!r} may not connect to {label}: {cause}"
        if isinstance(cause, TimeoutError):
            return f"{_address(url)} did not answer within {timeout:g} s ({label})"
        if isinstance(cause, sqlite3.OperationalError) and "unable to open" in str(cause):
            return f"cannot open the {label}: check that its directory exists and is writable"
        if isinstance(cause, OSError) and cause.errno is not None:
            return f"cannot reach {_address(url)} ({label}): {cause.strerror}"
    return None
