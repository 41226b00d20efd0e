"""What a database failure means: "try again shortly" (an outage, a pool exhausted, a
deadlock) or a bug, and a one-line description of it with every secret removed."""

import re

from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError

# SQLSTATE classes and codes that mean "try again shortly", not a bug: connection
# exceptions, insufficient resources (too many clients), a statement cancelled by its
# timeout, shutdowns, serialization failures and deadlocks, a lock not available.
TRANSIENT_SQLSTATE_CLASSES = frozenset({"08", "53", "57", "40"})
TRANSIENT_SQLSTATES = frozenset({"55P03", "55006"})


def is_database_unavailable(exc: BaseException) -> bool:
    if isinstance(exc, PoolTimeoutError | OperationalError):
        # Pool exhausted, connection refused or dropped, database file unreachable or
        # locked past the busy timeout: all mean "try again shortly", not a bug.
        return True
    if isinstance(exc, DBAPIError):
        state = sqlstate(exc)
        return (
            bool(exc.connection_invalidated)
            or isinstance(exc.orig, OSError | TimeoutError | ConnectionError)
            or (state is not None and _is_transient_sqlstate(state))
            or _looks_like_disconnect(exc)
        )
    if isinstance(exc, OSError | TimeoutError | ConnectionError):
        return True
    # A connection that drops while SQLAlchemy sets it up surfaces as the driver's own
    # exception, not wrapped: recognised by name, as below.
    if _is_disconnect_name(exc) or _is_disconnect_name(exc.__cause__):
        return True
    state = sqlstate(exc)
    return state is not None and _is_transient_sqlstate(state)


def _is_transient_sqlstate(state: str) -> bool:
    return state[:2] in TRANSIENT_SQLSTATE_CLASSES or state in TRANSIENT_SQLSTATES


def sqlstate(exc: BaseException) -> str | None:
    """The PostgreSQL SQLSTATE behind an error, through the driver and SQLAlchemy wrappers."""
    candidates = [exc, getattr(exc, "orig", None), exc.__cause__]
    orig = getattr(exc, "orig", None)
    if orig is not None:
        candidates.append(orig.__cause__)
    for candidate in candidates:
        state = getattr(candidate, "sqlstate", None)
        if isinstance(state, str) and len(state) == 5:
            return state
    return None


DISCONNECT_NAMES = frozenset(
    {
        "ConnectionDoesNotExistError",
        "CannotConnectNowError",
        "ConnectionFailureError",
        "InterfaceError",
        "ConnectionRefusedError",
        "AdminShutdownError",
        "TooManyConnectionsError",
    }
)


def _is_disconnect_name(exc: BaseException | None) -> bool:
    return exc is not None and type(exc).__name__ in DISCONNECT_NAMES


def _looks_like_disconnect(exc: DBAPIError) -> bool:
    # asyncpg reports refused or dropped connections through its own exception types,
    # which SQLAlchemy wraps; their class names are the stable signal.
    cause = exc.orig.__cause__ if exc.orig is not None else None
    return _is_disconnect_name(exc.orig) or _is_disconnect_name(cause)


_SECRET_PATTERNS = (
    re.compile(r"eyJ[\w-]*\.[\w-]*\.[\w-]*"),  # JWTs
    re.compile(r"(mut_sk_|whsec_)[\w-]+"),  # service keys, webhook secrets
    re.compile(r"\$argon2[\w$=,+/.-]*"),  # password hashes
    re.compile(r"(?i)(password|secret|token)=\S+"),
    re.compile(r"\)=\(.*?\)"),  # values in "Key (column)=(value)" details
)


def describe_exception(exc: BaseException) -> str:
    """Class and message of what failed, one line, with parameters and secrets removed."""
    # The driver's own exception names the failure best (QueryCanceledError, not Error).
    root = getattr(exc, "orig", None) or exc
    root = root.__cause__ if getattr(root.__cause__, "sqlstate", None) else root
    message = str(root).splitlines()[0] if str(root) else ""
    for pattern in _SECRET_PATTERNS:
        message = pattern.sub("[redacted]", message)
    state = sqlstate(exc)
    described = f"{type(root).__name__}: {message[:300]}"
    return f"{described} (sqlstate {state})" if state else described
