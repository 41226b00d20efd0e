"""Whatever is stored can be served: the worst value each profile field allows renders in
every list that embeds its user, and what could not render is refused when it is sent."""

import json

import pytest

from mutuals.kit.storable import MAX_JSON_DEPTH, MAX_SAFE_NUMBER
from tests.assertions import assert_error
from tests.connections.factories import connect, request
from tests.factories import Member, ProjectFactory

EMOJI = "\U0001f9ec"  # four bytes in UTF-8


def nested(depth: int, leaf: object) -> object:
    value = leaf
    for level in range(depth - 1):
        value = {f"level{level}": value} if level % 2 else [value]
    return value


def depth(value: object) -> int:
    if isinstance(value, dict):
        return 1 + max((depth(item) for item in value.values()), default=0)
    if isinstance(value, list):
        return 1 + max((depth(item) for item in value), default=0)
    return 0


def worst_metadata() -> dict[str, object]:
    """The deepest, widest, most extreme metadata the rules allow."""
    leaf = {
        "max": MAX_SAFE_NUMBER,
        "min": -MAX_SAFE_NUMBER,
        "float": float(MAX_SAFE_NUMBER - 1) / 3,
        "tiny": 5e-324,
        "text": "\u200b\ufeff" + EMOJI + "\U0010ffff",
        "flags": [True, False, None],
    }
    metadata: dict[str, object] = {"deep": nested(MAX_JSON_DEPTH - 2, leaf)}
    assert depth(metadata) == MAX_JSON_DEPTH
    filler = 0
    while len(json.dumps(metadata, separators=(",", ":"))) < 9_000:
        metadata[f"{EMOJI}{filler}"] = EMOJI * 20
        filler += 1
    return metadata


def send_raw(body: str) -> dict[str, object]:
    return {"content": body.encode(), "headers": {"Content-Type": "application/json"}}


async def test_the_worst_allowed_profile_renders_everywhere(project: ProjectFactory) -> None:
    ada, bob, cat = await project.user(), await project.user(), await project.user()
    worst = {
        "name": EMOJI * 100,
        "username": "z" * 30,
        "avatar": "https://example.com/" + "a" * 2028,
        "bio": EMOJI * 300,
        "metadata": worst_metadata(),
    }
    patched = await project.call("PATCH", f"/users/{ada.id}", ada, json=worst)
    assert patched.status_code == 200, patched.text
    for field, value in worst.items():
        assert patched.json()[field] == value

    await request(project, ada, bob)
    await connect(project, ada, cat)
    await connect(project, cat, bob)  # so ada shows in a third user's list too
    # Every list that embeds ada, and two that merely sit beside her.
    embedding = [
        (f"/users/{ada.id}", None, True),
        ("/connections/pending/received", bob, True),
        (f"/users/{cat.id}/connections?query=zzz", None, True),
        (f"/users/{cat.id}/connections?limit=2", None, True),
        ("/connections", cat, True),
        (f"/users/{cat.id}/connections?limit=1", None, False),
        ("/connections/pending/sent", ada, False),
    ]
    for path, caller, embeds in embedding:
        response = await project.call("GET", path, caller)
        assert response.status_code == 200, (path, response.text)
        found = list(profiles_of(response.json(), ada.id))
        assert bool(found) == embeds, path
        for profile in found:
            assert {field: profile[field] for field in worst} == worst, path
    for caller in (bob, cat):
        notices = await project.call("GET", "/app-notifications", caller)
        assert notices.status_code == 200
        assert {n["metadata"]["initiatorName"] for n in notices.json()["data"]} >= {EMOJI * 100}


def profiles_of(body: object, user_id: str) -> list[dict[str, object]]:
    """Every embedded user object of `user_id`, wherever it sits in a response body."""
    found: list[dict[str, object]] = []
    if isinstance(body, dict):
        if body.get("id") == user_id and "username" in body:
            found.append(body)
        for value in body.values():
            found += profiles_of(value, user_id)
    elif isinstance(body, list):
        for item in body:
            found += profiles_of(item, user_id)
    return found


@pytest.mark.parametrize(
    "raw",
    [
        "NaN",
        "Infinity",
        "-Infinity",
        "1e400",
        "1e20",
        str(MAX_SAFE_NUMBER + 1),
        str(-MAX_SAFE_NUMBER - 1),
        str(2**64),
        "9007199254740992.0",
        json.dumps(nested(MAX_JSON_DEPTH + 1, 1)),
        "[" * 900 + "]" * 900,
        '{"\\u0000": 1}',
        '{"k": "\\ud800"}',
    ],
)
async def test_metadata_that_could_not_be_served_is_refused(
    project: ProjectFactory, raw: str
) -> None:
    ada = await project.user()
    body = '{"metadata": {"value": ' + raw + "}}"
    response = await project.call("PATCH", f"/users/{ada.id}", ada, **send_raw(body))
    assert_error(response, 400, "user/invalid-params", field="metadata")
    signed_up = await project.call(
        "POST",
        "/auth/sign-up",
        **send_raw('{"email": "x@example.com", "password": "long enough", ' + body[1:]),
    )
    expected_code = "auth/invalid-body"
    assert_error(signed_up, 400, expected_code, field="metadata")


async def test_deep_bodies_are_a_400_everywhere(project: ProjectFactory) -> None:
    ada, bob = await project.user(), await project.user()
    deep = "[" * 5_000 + "]" * 5_000
    acting = {"actingUserId": ada.id}
    cases: list[tuple[str, str, Member | None, dict[str, str]]] = [
        ("PATCH", "/app-notifications/mark-all-as-read", None, project.service_auth),
        ("PATCH", "/app-notifications/mark-all-as-read", ada, {}),
        ("POST", f"/users/{bob.id}/connection", ada, {}),
        ("POST", f"/users/{bob.id}/connection", None, project.service_auth),
        ("PATCH", f"/users/{ada.id}", ada, {}),
        ("POST", "/auth/sign-up", None, {}),
        ("POST", "/auth/sign-in", None, {}),
        ("POST", "/auth/request-new-access-token", None, {}),
        ("POST", "/auth/verify-external-user", None, {}),
    ]
    for method, path, caller, headers in cases:
        for body in (deep, '{"message": ' + deep + "}", json.dumps({**acting, "x": deep})):
            response = await project.call(
                method,
                path,
                caller,
                content=body.encode(),
                headers={**headers, "Content-Type": "application/json"},
            )
            assert response.status_code < 500, (path, response.text)
    signed_out = await project.call("POST", "/auth/sign-out", **send_raw(deep))
    assert signed_out.status_code == 204
    message = await project.call(
        "POST", f"/users/{bob.id}/connection", ada, **send_raw('{"message": ' + deep + "}")
    )
    assert_error(message, 400, "request/invalid-json")


async def test_invalid_utf8_is_invalid_json(project: ProjectFactory) -> None:
    ada, bob = await project.user(), await project.user()
    for path, caller in ((f"/users/{bob.id}/connection", ada), ("/auth/sign-up", None)):
        response = await project.call(
            "POST",
            path,
            caller,
            content=b'{"message": "\xff\xfe caf\xe9"}',
            headers={"Content-Type": "application/json"},
        )
        assert_error(response, 400, "request/invalid-json")
