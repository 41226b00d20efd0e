"""Schema fuzzing: schemathesis drives every endpoint of /openapi.json with valid credentials.

Every response must be documented (status, content type, body schema, headers) and none
may be a 5xx. Runs on SQLite and PostgreSQL, a bounded number of examples per endpoint.
"""

import random
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi import checks

from mutuals.config import Settings
from tests.factories import ProjectFactory
from tests.live_server import live_server

EXAMPLES_PER_ENDPOINT = 30
# Named explicitly so none is silently off. Left out: positive_data_acceptance (random ids
# rarely name real records, so a valid request may fairly answer 404).
CHECKS = [
    not_a_server_error,
    checks.status_code_conformance,
    checks.content_type_conformance,
    checks.response_schema_conformance,
    checks.response_headers_conformance,
    checks.negative_data_rejection,
]


@pytest.fixture(scope="session")
def fuzz_server(settings: Settings) -> Iterator[str]:
    with live_server(settings) as base:
        yield base


@pytest.fixture(scope="session")
def fuzz_schema(fuzz_server: str) -> Any:
    return schemathesis.openapi.from_url(f"{fuzz_server}/openapi.json")


@pytest.fixture(scope="session")
async def fuzz_identity(app: Any) -> dict[str, str]:
    import httpx  # noqa: PLC0415

    client = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://fuzz")
    project = await ProjectFactory.create(app, client)
    ada, bob = await project.user(), await project.user()
    created = await project.call("POST", f"/users/{bob.id}/connection", ada, json={})
    await client.aclose()
    return {
        "project": project.id,
        "token": ada.token,
        "user": ada.id,
        "other": bob.id,
        "connection": created.json()["id"],
    }


def test_every_endpoint_answers_as_documented(
    fuzz_schema: Any, fuzz_server: str, fuzz_identity: dict[str, str]
) -> None:
    operations = [result.ok() for result in fuzz_schema.get_all_operations()]
    assert len(operations) >= 25
    for operation in operations:
        fuzz_operation(operation, fuzz_server, fuzz_identity)


def fuzz_operation(operation: Any, base_url: str, identity: dict[str, str]) -> None:
    @given(case=operation.as_strategy())
    @settings(
        max_examples=EXAMPLES_PER_ENDPOINT,
        deadline=None,
        suppress_health_check=list(HealthCheck),
        database=None,
    )
    def run(case: Any) -> None:
        parameters = case.path_parameters or {}
        if "projectId" in parameters:
            # A real project, so the fuzzing reaches past project resolution, and now and
            # then real users and records, so it reaches past the lookups too.
            parameters["projectId"] = identity["project"]
        for name, real in (("userId", identity["other"]), ("connectionId", identity["connection"])):
            if name in parameters and random.random() < 0.3:
                parameters[name] = real
        case.call_and_validate(
            base_url=base_url,
            headers={"Authorization": f"Bearer {identity['token']}"},
            checks=CHECKS,
        )

    run()
