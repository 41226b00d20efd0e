"""/openapi.json as a reference people read: valid OpenAPI 3.1, and for every operation a
camelCase operationId, a description, its credential and every status it can answer."""

import json
import re
from pathlib import Path
from typing import Any

import httpx
from openapi_spec_validator import validate

from mutuals.reference.operations import OPERATIONS

BODY_METHODS = {"post", "patch"}


async def document(client: httpx.AsyncClient) -> dict[str, Any]:
    response = await client.get("/openapi.json")
    assert response.status_code == 200
    parsed: dict[str, Any] = response.json()
    return parsed


def operations(schema: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (method, path, operation)
        for path, item in schema["paths"].items()
        for method, operation in item.items()
    ]


async def test_the_document_is_valid_openapi_3_1(client: httpx.AsyncClient) -> None:
    schema = await document(client)
    assert schema["openapi"].startswith("3.1")
    validate(schema)


async def test_every_operation_is_described_and_documents_its_statuses(
    client: httpx.AsyncClient,
) -> None:
    schema = await document(client)
    found = operations(schema)
    assert {(method.upper(), path) for method, path, _ in found} == set(OPERATIONS)
    ids = [operation["operationId"] for _, _, operation in found]
    assert len(ids) == len(set(ids)) == 60
    for method, path, operation in found:
        where = f"{method.upper()} {path}"
        assert re.fullmatch(r"[a-z]+(?:[A-Z][a-z]+)*", operation["operationId"]), where
        assert len(operation.get("description", "")) > 20, where
        access = OPERATIONS[(method.upper(), path)].access
        responses = operation["responses"]
        statuses = set(responses)
        assert "405" in statuses, where
        if method in BODY_METHODS:
            assert {"400", "413"} <= statuses, where
        if access in ("user", "service"):
            assert operation["security"] == [{"bearer": []}], where
            assert {"401", "403"} <= statuses, where
            assert "text/plain" in responses["401"]["content"], where
        elif access == "public":
            assert operation["security"] == [{"bearer": []}, {}], where
            assert "text/plain" in responses["403"]["content"], where
        else:
            assert operation["security"] == [], where
        if path.startswith("/v7/") and not path.endswith("/sign-out"):
            assert "429" in statuses, where
            assert {"Retry-After", "RateLimit-Limit"} <= set(responses["429"]["headers"]), where
        if path not in ("/healthz", "/metrics"):
            assert "503" in statuses, where


async def test_examples_are_realistic(client: httpx.AsyncClient) -> None:
    schema = await document(client)
    for method, path, operation in operations(schema):
        bodies = [operation.get("requestBody", {}), *operation["responses"].values()]
        for body in bodies:
            media = body.get("content", {}).get("application/json")
            if media is None or "schema" not in media:
                continue
            assert "example" in media or "examples" in media, f"{method} {path}"
            rendered = json.dumps(media.get("example"))
            assert '"string"' not in rendered, f"{method} {path}: {rendered}"
    sign_up = schema["paths"]["/v7/{projectId}/auth/sign-up"]["post"]
    example = sign_up["requestBody"]["content"]["application/json"]["example"]
    assert example["email"] == "ada@example.com"


PUBLISHED = Path(__file__).with_name("openapi.json")


async def test_the_document_is_the_published_one_byte_for_byte(client: httpx.AsyncClient) -> None:
    """The document as published (tests/operations/openapi.json). A change of the code's
    shape must not change it; a change of the contract updates the file in the same
    commit: `python -m tests.operations.publish_openapi`."""
    response = await client.get("/openapi.json")
    assert response.content == PUBLISHED.read_bytes()
