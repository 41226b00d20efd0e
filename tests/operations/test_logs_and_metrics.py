"""Logs for people and machines (project id and error code on each request's line, a
console format), /metrics only for loopback or its token, and business metrics."""

import json
import logging
import re
from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import FastAPI
from pydantic import SecretStr

from mutuals.config import Settings
from mutuals.kit.observability.signals import ConsoleFormatter, JsonFormatter, logging_config
from tests.apps import running_app
from tests.factories import ProjectFactory


def access_records(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [record for record in caplog.records if record.name == "mutuals.access"]


async def test_request_lines_carry_the_project_and_the_error_code(
    project: ProjectFactory, caplog: pytest.LogCaptureFixture
) -> None:
    ada = await project.user()
    with caplog.at_level(logging.INFO, logger="mutuals.access"):
        await project.call("POST", f"/users/{ada.id}/follow", ada, json={})  # self-follow
        await project.call("GET", "/connections/count", ada)
        await project.call("GET", "/connections/count")  # no credential: the bare 401
    refused, counted, bare = (json.loads(JsonFormatter().format(r)) for r in access_records(caplog))
    assert (refused["status"], refused["error_code"]) == (400, "follow/self-follow")
    assert refused["project_id"] == counted["project_id"] == bare["project_id"] == project.id
    assert (counted["status"], counted["error_code"]) == (200, None)
    assert (bare["status"], bare["error_code"]) == (401, None)

    console = ConsoleFormatter().format(access_records(caplog)[0])
    assert re.fullmatch(
        r"\d\d:\d\d:\d\d INFO  POST (/v7/\{projectId\})?/users/\{userId\}/follow 400 [\d.]+ ms "
        rf"project={project.id} code=follow/self-follow id=\w+",
        console,
    ), console


def test_log_format_auto_is_json_off_a_terminal() -> None:
    def formatter(config: dict[str, object]) -> str:
        return config["formatters"]["line"]["()"]  # type: ignore[index]

    assert formatter(logging_config(log_format="auto")).endswith("JsonFormatter")  # pytest pipes
    assert formatter(logging_config(log_format="console")).endswith("ConsoleFormatter")
    assert formatter(logging_config(log_format="json")).endswith("JsonFormatter")
    record = logging.LogRecord(
        "mutuals.db", logging.WARNING, __file__, 1, "pool is %s", ("x",), None
    )
    assert ConsoleFormatter().format(record).endswith("WARNING mutuals.db: pool is x")


@pytest.fixture
async def metrics_app(settings: Settings) -> AsyncIterator[FastAPI]:
    update = {"metrics_token": SecretStr("metrics-token-for-the-test"), "rate_limits": "on"}
    async with running_app(settings.model_copy(update=update)) as application:
        yield application


def caller(app: FastAPI, address: str) -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=app, client=(address, 40000))
    return httpx.AsyncClient(transport=transport, base_url="http://mutuals.test")


async def test_metrics_answer_loopback_or_the_token_only(metrics_app: FastAPI) -> None:
    async with (
        caller(metrics_app, "203.0.113.7") as outsider,
        caller(metrics_app, "127.0.0.1") as local,
    ):
        hidden = await outsider.get("/metrics")
        assert hidden.status_code == 404
        assert hidden.json() == {"error": "Not found", "code": "request/not-found"}
        wrong = await outsider.get("/metrics", headers={"Authorization": "Bearer nope"})
        assert wrong.status_code == 404
        shown = await outsider.get(
            "/metrics", headers={"Authorization": "Bearer metrics-token-for-the-test"}
        )
        assert shown.status_code == 200 and "mutuals_http_requests_total" in shown.text
        assert (await local.get("/metrics")).status_code == 200
        # Through a proxy on the same host, the world would look like loopback.
        proxied = await local.get("/metrics", headers={"X-Forwarded-For": "198.51.100.1"})
        assert proxied.status_code == 404


def metric(text: str, name: str, **labels: str) -> float:
    wanted = ",".join(f'{key}="{value}"' for key, value in labels.items())
    found = re.search(rf"^{name}\{{{re.escape(wanted)}\}} (\S+)$", text, re.MULTILINE)
    return float(found.group(1)) if found else 0.0


async def test_business_metrics_count_committed_changes_and_refusals(
    metrics_app: FastAPI,
) -> None:
    async with caller(metrics_app, "127.0.0.1") as http:
        project = await ProjectFactory.create(metrics_app, http)
        ada, bob = await project.user(), await project.user()
        before = (await http.get("/metrics")).text
        await project.call("POST", f"/users/{bob.id}/follow", ada, json={})
        await project.call("POST", f"/users/{bob.id}/follow", ada, json={})  # 409: no change
        requested = await project.call("POST", f"/users/{bob.id}/connection", ada, json={})
        await project.call("PATCH", f"/connections/{requested.json()['id']}/accept", bob)
        await project.call("POST", f"/users/{bob.id}/block", ada, json={})
        for _ in range(51):
            await project.call("PATCH", f"/connections/{requested.json()['id']}/decline", bob)
        after = (await http.get("/metrics")).text

    def grew(name: str, **labels: str) -> float:
        return metric(after, name, **labels) - metric(before, name, **labels)

    changes = "mutuals_graph_changes_total"
    assert grew(changes, type="follow.created") == 1
    assert grew(changes, type="connection.requested") == 1
    assert grew(changes, type="connection.accepted") == 1
    # The block severed the follow and the connection: their deletions count too.
    assert grew(changes, type="block.created") == 1
    assert grew(changes, type="follow.deleted") == 1
    assert grew(changes, type="connection.removed") == 1
    assert grew("mutuals_rate_limited_total", group="connection-change") >= 1
