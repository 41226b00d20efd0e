"""create_app(): wiring only."""

import asyncio
import contextlib
import gc
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import JSONResponse, Response

from mutuals import __version__
from mutuals.auth.signing_secret import load_signing_secret
from mutuals.auth.tokens import TokenSigner
from mutuals.blocks.router import router as blocks_router
from mutuals.config import Settings, get_settings
from mutuals.connections.router import router as connections_router
from mutuals.finding.router import router as finding_router
from mutuals.finding.router import search_router
from mutuals.follows.router import router as follows_router
from mutuals.idempotency import service as idempotency
from mutuals.identity.router import router as identity_router
from mutuals.kit.cursors import CursorSigner
from mutuals.kit.db.database import Database
from mutuals.kit.errors import ServiceUnavailable
from mutuals.kit.http.cors import CorsPolicy
from mutuals.kit.http.docs_pages import serve_docs
from mutuals.kit.http.errors import error_response, install_error_handlers
from mutuals.kit.http.lanes import Lanes
from mutuals.kit.http.middleware import HttpEdge
from mutuals.kit.observability.endpoint import metrics_router
from mutuals.kit.ratelimit import RateLimiter
from mutuals.notifications.router import router as notifications_router
from mutuals.projects.dependencies import KnownProjects
from mutuals.projects.origins import stored_origins
from mutuals.reference.document import finish
from mutuals.relationships.router import router as relationships_router
from mutuals.users.router import router as users_router
from mutuals.webhooks.dispatcher import dispatching
from mutuals.webhooks.fanout import FOLLOW_UPS
from mutuals.webhooks.router import router as webhooks_router
from mutuals.webhooks.signing import SecretBox

logger = logging.getLogger("mutuals")
IDEMPOTENCY_PURGE_INTERVAL_SECONDS = 600.0


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        database = Database(settings, follow_ups=FOLLOW_UPS)
        if settings.secret_key is not None:
            # No database needed to start: the service comes up (answering 503) even
            # while the database is down, and recovers when it returns.
            secret = settings.secret_key.get_secret_value().encode()
        else:
            async with database.transaction() as connection:
                secret = await load_signing_secret(connection, settings)
        app.state.database = database
        app.state.token_signer = TokenSigner.for_settings(secret, settings)
        app.state.cursor_signer = CursorSigner(secret)
        app.state.webhook_box = SecretBox(secret)
        # Objects that live as long as the process (routes, compiled SQL, caches) are moved
        # out of the collector's reach, so full collections stay short under load.
        gc.collect()
        gc.freeze()
        purge = asyncio.create_task(
            idempotency.purge_forever(database, IDEMPOTENCY_PURGE_INTERVAL_SECONDS)
        )
        try:
            async with dispatching(database, settings, app.state.webhook_box):
                yield
        finally:
            purge.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await purge
            await database.dispose()

    app = FastAPI(
        title="mutuals",
        version=__version__,
        summary="LinkedIn-style connections between the users of any app (Replyke v7 API).",
        lifespan=lifespan,
        # Served from installed assets instead (kit/http/docs_pages.py): the defaults need a CDN.
        docs_url=None,
        redoc_url=None,
        # Metrics are our own Prometheus counters; the framework's OpenTelemetry hooks
        # looked up the environment on every request (a tenth of a read's CPU time).
        telemetry={"tracing": False, "metrics": False, "logs": False, "operation_spans": False},
    )
    app.state.settings = settings
    app.state.known_projects = KnownProjects()
    app.state.rate_limiter = RateLimiter(settings)
    install_error_handlers(app)

    @app.exception_handler(idempotency.StoredResponse)
    async def on_replay(request: Request, exc: idempotency.StoredResponse) -> Response:
        return exc.response()

    v7 = APIRouter(prefix="/v7/{projectId}")
    v7.include_router(identity_router)
    # Before users: /users/by-username must not read as a user id.
    v7.include_router(finding_router)
    v7.include_router(search_router)
    v7.include_router(users_router)
    # Before connections: /connections/suggestions must not read as a connection id.
    v7.include_router(relationships_router)
    v7.include_router(connections_router)
    v7.include_router(follows_router)
    v7.include_router(blocks_router)
    v7.include_router(notifications_router)
    v7.include_router(webhooks_router)
    app.include_router(v7)
    app.include_router(_operations_router())
    app.include_router(metrics_router())

    _document_credentials(app)
    serve_docs(app)
    # Inside the edge: planned routes are served here (kit/http/lanes.py), the rest by the
    # framework.
    app.add_middleware(Lanes, owner=app)
    app.add_middleware(
        HttpEdge,
        max_body_bytes=settings.max_body_bytes,
        cors=CorsPolicy(),
        origins_of=stored_origins,
    )
    return app


def _operations_router() -> APIRouter:
    router = APIRouter(tags=["operations"])

    @router.get("/healthz", summary="Liveness: 200 while the process runs")
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @router.get("/readyz", summary="Readiness: 200 when the database answers, else 503")
    async def readyz(request: Request) -> Response:
        database: Database = request.app.state.database
        limiter: RateLimiter = request.app.state.rate_limiter
        try:
            await database.ping()
        except Exception:  # any failure to reach the database means not ready
            return error_response(ServiceUnavailable())
        # Without the shared rate-limit store the service still serves (limits per process).
        return JSONResponse(
            {"status": "ready", "rateLimitStore": await limiter.check_shared_store()}
        )

    return router


def _document_credentials(app: FastAPI) -> None:
    """The document as people read it (reference/document.py): operation ids, descriptions,
    credentials per operation, every status and realistic examples."""
    build = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = finish(build())
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
