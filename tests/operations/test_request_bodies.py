"""API.md §1 on bodies: JSON types are strict, and a malformed body is the first fault
reported. Both walk every route of the OpenAPI document, so a new route is covered."""

from typing import Any

import pytest

from tests.factories import Member, ProjectFactory

# What a boolean or a number field must refuse: the same value in another JSON type.
WRONG_TYPES: dict[str, list[Any]] = {
    "boolean": ["yes", "true", "false", 1, 0, "1"],
    "integer": ["1", "5", True, 1.5],
    "number": ["1", "2.5", True],
}
RIGHT_VALUE = {"boolean": True, "integer": 1, "number": 1}


def _resolve(document: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        schema = document["components"]["schemas"][name]
    return schema


def _json_type(document: dict[str, Any], schema: dict[str, Any]) -> str | None:
    """The JSON type a property takes (its non-null branch), when it is exactly one."""
    schema = _resolve(document, schema)
    branches = schema.get("anyOf", [schema])
    types = {_resolve(document, branch).get("type") for branch in branches} - {"null"}
    return types.pop() if len(types) == 1 else None


def typed_fields(document: dict[str, Any]) -> list[tuple[str, str, dict[str, Any], str, str]]:
    """(method, path, example body, field, JSON type) for each boolean or number field of
    each JSON request body in the document."""
    found = []
    for path, item in document["paths"].items():
        for method, operation in item.items():
            content = operation.get("requestBody", {}).get("content", {}).get("application/json")
            if content is None:
                continue
            body_schema = _resolve(document, content["schema"])
            for branch in body_schema.get("anyOf", [body_schema]):
                properties = _resolve(document, branch).get("properties", {})
                for name, schema in properties.items():
                    kind = _json_type(document, schema)
                    if kind in WRONG_TYPES:
                        example = dict(content.get("example") or {})
                        found.append((method.upper(), path, example, name, kind))
    return found


def invalid_body_codes(operation: dict[str, Any]) -> set[str]:
    """The codes the route documents for a 400 whose slug says the body is invalid."""
    description = operation["responses"].get("400", {}).get("description", "")
    codes = description.removeprefix("Error codes: ").split(", ")
    return {code for code in codes if code.endswith(("invalid-body", "invalid-params"))}


async def _call(
    project: ProjectFactory, member: Member, method: str, path: str, body: dict[str, Any]
) -> Any:
    target = path.removeprefix("/v7/{projectId}").replace("{userId}", member.id)
    for name in ("webhookId", "connectionId", "followId", "notificationId", "deliveryId"):
        target = target.replace(f"{{{name}}}", "00000000-0000-4000-8000-000000000000")
    if target.startswith("/auth/"):
        return await project.call(method, target, json=body)
    if "/webhooks" in target:
        return await project.call(method, target, headers=project.service_auth, json=body)
    return await project.call(method, target, member, json=body)


async def test_every_boolean_and_number_field_takes_only_its_json_type(
    project: ProjectFactory,
) -> None:
    member = await project.user()
    document = (await project.client.get("/openapi.json")).json()
    fields = typed_fields(document)
    assert ("PATCH", "/v7/{projectId}/webhooks/{webhookId}") in {f[:2] for f in fields}
    for method, path, example, name, kind in fields:
        codes = invalid_body_codes(document["paths"][path][method.lower()])
        assert codes, (method, path)
        right = await _call(project, member, method, path, {**example, name: RIGHT_VALUE[kind]})
        # With the right type the body passes validation (whatever the route then says).
        assert right.status_code != 400 or right.json()["code"] not in codes, right.text
        for wrong in WRONG_TYPES[kind]:
            response = await _call(project, member, method, path, {**example, name: wrong})
            assert response.status_code == 400, (method, path, name, wrong, response.text)
            assert response.json()["code"] in codes, (method, path, name, wrong, response.text)


def body_routes(document: dict[str, Any]) -> list[tuple[str, str]]:
    """(method, path) of every /v7 operation that may carry a JSON body: each POST and
    PATCH (those with no body of their own still read a service key's actingUserId)."""
    return [
        (method.upper(), path)
        for path, item in document["paths"].items()
        for method in item
        if path.startswith("/v7/")
        and method in {"post", "patch"}
        # Signing out answers 204 whatever it is sent (§3.4).
        and not path.endswith("/auth/sign-out")
    ]


@pytest.mark.parametrize("malformed", [b'{"actingUserId": ', b"\xff\xfe{}", b"{'a': 1}"])
async def test_a_malformed_body_is_reported_first_on_every_route(
    project: ProjectFactory, malformed: bytes
) -> None:
    member = await project.user()
    document = (await project.client.get("/openapi.json")).json()
    routes = body_routes(document)
    assert len(routes) >= 15, routes
    json_type = {"Content-Type": "application/json"}
    for method, path in routes:
        target = path.removeprefix("/v7/{projectId}").replace("{userId}", member.id)
        for name in ("webhookId", "connectionId", "notificationId", "deliveryId"):
            target = target.replace(f"{{{name}}}", "00000000-0000-4000-8000-000000000000")
        callers: list[dict[str, str]] = [project.service_auth]
        if not target.startswith("/webhooks"):
            callers.append(member.auth)
        for auth in callers:
            # A service key without actingUserId lacks the acting user too: the body's
            # fault comes first.
            response = await project.call(
                method, target, content=malformed, headers={**auth, **json_type}
            )
            assert response.status_code == 400, (method, path, auth, response.text)
            assert response.json()["code"] == "request/invalid-json", (method, path, response.text)
