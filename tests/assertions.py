"""Whole-response assertions shared by the feature tests."""

import re
from typing import Any

import httpx

ISO_MS = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z")
UUID_RE = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


class AnyTimestamp:
    def __eq__(self, other: object) -> bool:
        return isinstance(other, str) and ISO_MS.fullmatch(other) is not None

    def __repr__(self) -> str:
        return "<ISO timestamp with ms and Z>"

    __hash__ = object.__hash__


class AnyId:
    def __eq__(self, other: object) -> bool:
        return isinstance(other, str) and UUID_RE.fullmatch(other) is not None

    def __repr__(self) -> str:
        return "<lowercase uuid>"

    __hash__ = object.__hash__


TIMESTAMP = AnyTimestamp()
ID = AnyId()


def assert_error(response: httpx.Response, status: int, code: str, **extra: Any) -> None:
    assert response.status_code == status, response.text
    body = response.json()
    assert body == {"error": body.get("error"), "code": code, **extra}, body
    assert isinstance(body["error"], str)
    assert body["error"]


def assert_json(response: httpx.Response, status: int, expected: Any) -> Any:
    assert response.status_code == status, response.text
    assert response.json() == expected
    return response.json()


def public_user_body(user_id: str, project_id: str, username: str, name: str) -> dict[str, Any]:
    return {
        "id": user_id,
        "foreignId": None,
        "projectId": project_id,
        "name": name,
        "username": username,
        "avatar": None,
        "bio": None,
        "metadata": {},
        "reputation": 0,
        "createdAt": TIMESTAMP,
    }


BARE_ANSWERS = {
    401: ("Unauthorized", 'Bearer realm="mutuals"'),
    403: ("Forbidden", 'Bearer realm="mutuals", error="invalid_token"'),
}


def assert_bare(response: httpx.Response, status: int) -> None:
    """A credential failure as API.md §1 answers it: plain text, no code, a Bearer challenge."""
    body, challenge = BARE_ANSWERS[status]
    assert response.status_code == status, response.text
    assert response.headers["content-type"].split(";")[0] == "text/plain"
    assert response.text == body
    assert response.headers["www-authenticate"] == challenge
