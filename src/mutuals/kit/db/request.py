"""One transaction per request, committed before the response is sent, and the hooks
through which features take part in it without the transaction knowing them: an
Idempotency-Key claim stores its answer in the same transaction as the change
(`before_commit`), or on its own when the request was refused (`on_refusal`)."""

from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from typing import Annotated, Any, TypeVar

from fastapi import Depends, Request
from sqlalchemy.ext.asyncio import AsyncConnection

from mutuals.kit.db.database import Database
from mutuals.kit.db.failures import is_database_unavailable
from mutuals.kit.errors import AppError, ServiceUnavailable

REPLICA_MARK = "mutuals_reads_from_replica"
WRITE_MARK = "mutuals_writes_when"
# Set on `request.state` when the request's connection is the read replica's (read-only).
READS_FROM_REPLICA = "reads_from_replica"
HOOKS_STATE = "transaction_hooks"
Endpoint = TypeVar("Endpoint", bound=Callable[..., Any])


@dataclass
class TransactionHooks:
    """What runs in the request's transaction after the endpoint returned, just before the
    commit, and what runs in a transaction of its own after a refusal (a 4xx)."""

    before_commit: list[Callable[[AsyncConnection], Awaitable[None]]] = field(default_factory=list)
    on_refusal: list[Callable[[AsyncConnection, AppError], Awaitable[None]]] = field(
        default_factory=list
    )


def transaction_hooks(request: Request) -> TransactionHooks:
    """The request's hooks, made on first use."""
    hooks: TransactionHooks | None = getattr(request.state, HOOKS_STATE, None)
    if hooks is None:
        hooks = TransactionHooks()
        setattr(request.state, HOOKS_STATE, hooks)
    return hooks


def reads_from_replica(endpoint: Endpoint) -> Endpoint:
    """Marks a public read endpoint whose whole request may be served by the read replica."""
    setattr(endpoint, REPLICA_MARK, True)
    return endpoint


def writes_when(decides: Callable[[Request], bool]) -> Callable[[Endpoint], Endpoint]:
    """Marks a GET endpoint that writes for some requests (`decides` says which): those get
    a write transaction, as a POST would, instead of the statement-at-a-time reads. One
    connection per request, so concurrent requests cannot each hold one and wait for a
    second."""

    def mark(endpoint: Endpoint) -> Endpoint:
        setattr(endpoint, WRITE_MARK, decides)
        return endpoint

    return mark


def get_database(request: Request) -> Database:
    database: Database = request.app.state.database
    return database


async def request_transaction(request: Request) -> AsyncIterator[AsyncConnection]:
    """Used with Depends(scope="function") so a failed commit becomes an error response
    rather than a success for work that was never saved."""
    endpoint = request.scope.get("endpoint")
    write = request.method not in ("GET", "HEAD", "OPTIONS")
    decides: Callable[[Request], bool] | None = getattr(endpoint, WRITE_MARK, None)
    if not write and decides is not None:
        write = decides(request)
    replica = not write and getattr(endpoint, REPLICA_MARK, False)
    database = get_database(request)
    setattr(request.state, READS_FROM_REPLICA, replica and database.has_replica)
    try:
        async with database.transaction(write=write, replica=replica) as connection:
            yield connection
            hooks: TransactionHooks | None = getattr(request.state, HOOKS_STATE, None)
            for hook in hooks.before_commit if hooks else ():
                await hook(connection)
    except AppError as exc:
        hooks = getattr(request.state, HOOKS_STATE, None)
        if hooks is not None and hooks.on_refusal and exc.status < 500:
            # Refused: nothing changed, so what is kept of the answer is written on its own.
            async with database.transaction() as connection:
                for refusal in hooks.on_refusal:
                    await refusal(connection, exc)
        raise
    except Exception as exc:
        # Raised here as a domain error so it is answered like any other: a clean 503.
        if is_database_unavailable(exc):
            raise ServiceUnavailable() from exc
        raise


Transaction = Annotated[AsyncConnection, Depends(request_transaction, scope="function")]
