"""One JSON log line per request without credentials, X-Request-Id, and /metrics."""

import json
import logging

import httpx
import pytest

from mutuals.kit.observability.signals import JsonFormatter
from tests.factories import ProjectFactory


async def test_one_structured_line_per_request(
    project: ProjectFactory, caplog: pytest.LogCaptureFixture
) -> None:
    ada, bob = await project.user(), await project.user()
    with caplog.at_level(logging.INFO, logger="mutuals.access"):
        await project.call(
            "POST",
            f"/users/{bob.id}/connection?token=leak-me",
            ada,
            json={"message": "secret note"},
            headers={"X-Request-Id": "trace-42"},
        )
    records = [record for record in caplog.records if record.name == "mutuals.access"]
    assert len(records) == 1
    line = json.loads(JsonFormatter().format(records[0]))
    assert line["request_id"] == "trace-42"
    assert line["method"] == "POST"
    assert line["route"].endswith("/users/{userId}/connection")
    assert line["status"] == 201
    assert line["duration_ms"] >= 0
    assert isinstance(line["pid"], int)
    rendered = json.dumps(line)
    for secret in (ada.token, "leak-me", "secret note", bob.id, project.service_key):
        assert secret not in rendered


async def test_metrics_count_requests_by_route_template(client: httpx.AsyncClient) -> None:
    await client.get("/healthz")
    body = (await client.get("/metrics")).text
    assert 'mutuals_http_requests_total{method="GET",route="/healthz",status="200"}' in body
    assert "mutuals_http_request_duration_seconds_bucket" in body
    assert "mutuals_db_pool_connections_in_use" in body
