"""Health, readiness and metrics (API.md §5), outside /v7."""

from typing import Any

from mutuals_client._core import Call, Mode, Resource, endpoint


def _json(body: Any) -> dict[str, Any]:
    return dict(body or {})


class Operations(Resource[Mode]):
    @endpoint("GET", "/healthz", "root")
    def health(self) -> Call[dict[str, Any]]:
        """Answers while the process runs."""
        return Call(_json)

    @endpoint("GET", "/readyz", "root")
    def ready(self) -> Call[dict[str, Any]]:
        """Answers when the database does; raises `Unavailable` (after retries) otherwise."""
        return Call(_json)

    @endpoint("GET", "/metrics", "root")
    def metrics(self) -> Call[str]:
        """The Prometheus exposition text."""
        return Call(str, text=True)
