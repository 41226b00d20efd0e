"""GET /metrics: Prometheus text for the operator's scraper, not for the world."""

import hmac
import ipaddress
import os

from fastapi import APIRouter, Request
from fastapi.responses import Response
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest, multiprocess

from mutuals.kit.errors import RouteNotFound
from mutuals.kit.observability.signals import POOL_IN_USE


def may_read_metrics(request: Request, token: str | None) -> bool:
    """Loopback callers that did not come through a proxy, or the metrics token."""
    if token is not None:
        presented = request.headers.get("authorization", "")
        if hmac.compare_digest(presented.encode(), f"Bearer {token}".encode()):
            return True
    client = request.client.host if request.client else ""
    proxied = "x-forwarded-for" in request.headers or "forwarded" in request.headers
    return not proxied and _is_loopback(client)


def _is_loopback(host: str) -> bool:
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def metrics_router() -> APIRouter:
    router = APIRouter(tags=["operations"])

    @router.get(
        "/metrics",
        summary="Prometheus metrics",
        description=(
            "Prometheus exposition text. Answers clients on the loopback interface that did "
            "not come through a proxy, or anyone presenting MUTUALS_METRICS_TOKEN as a Bearer "
            "token; `404 request/not-found` to everyone else."
        ),
        response_class=Response,
    )
    async def metrics(request: Request) -> Response:
        settings = request.app.state.settings
        token = settings.metrics_token.get_secret_value() if settings.metrics_token else None
        if not may_read_metrics(request, token):
            raise RouteNotFound()
        database = request.app.state.database
        POOL_IN_USE.set(database.connections_in_use())
        if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
            registry = CollectorRegistry()
            multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
            payload = generate_latest(registry)
        else:
            payload = generate_latest()
        return Response(payload, media_type=CONTENT_TYPE_LATEST)

    return router
