"""§9.2: webhooks are managed with a service key; URLs that could reach inside are refused."""

import uuid
from collections.abc import AsyncIterator

import httpx
import pytest

from tests.factories import ProjectFactory

URL = "https://93.184.215.14/hooks"  # a public address: no DNS needed to accept it


CREATED: list[tuple[ProjectFactory, object]] = []


@pytest.fixture(autouse=True)
async def delete_created_webhooks(client: httpx.AsyncClient) -> AsyncIterator[None]:
    """The URL above is public: no dispatcher of a later test may try to reach it."""
    yield
    while CREATED:
        project, webhook_id = CREATED.pop()
        await project.call("DELETE", f"/webhooks/{webhook_id}", headers=project.service_auth)


async def create(project: ProjectFactory, **body: object) -> dict[str, object]:
    payload = {"url": URL, "events": ["*"], **body}
    response = await project.call("POST", "/webhooks", json=payload, headers=project.service_auth)
    assert response.status_code == 201, response.text
    created: dict[str, object] = response.json()
    CREATED.append((project, created["id"]))
    return created


async def test_create_shows_the_secret_once(project: ProjectFactory) -> None:
    created = await create(
        project, events=["follow.created", "connection.accepted"], description="index"
    )
    assert str(created["secret"]).startswith("whsec_")
    assert created["enabled"] is True
    assert created["events"] == ["follow.created", "connection.accepted"]
    assert created["description"] == "index"
    fetched = await project.call("GET", f"/webhooks/{created['id']}", headers=project.service_auth)
    assert fetched.status_code == 200
    assert "secret" not in fetched.json()
    assert fetched.json() == {key: value for key, value in created.items() if key != "secret"}


async def test_star_stands_alone_and_repeats_collapse(project: ProjectFactory) -> None:
    assert (await create(project, events=["follow.created", "*"]))["events"] == ["*"]
    repeated = await create(project, events=["block.created", "block.created"])
    assert repeated["events"] == ["block.created"]


async def test_list_update_delete(project: ProjectFactory) -> None:
    first = await create(project)
    second = await create(project)
    listed = await project.call("GET", "/webhooks", headers=project.service_auth)
    assert [item["id"] for item in listed.json()["data"]] == [second["id"], first["id"]]
    assert listed.json()["pagination"]["totalItems"] == 2

    changed = await project.call(
        "PATCH",
        f"/webhooks/{first['id']}",
        json={"enabled": False, "events": ["user.created"], "description": None},
        headers=project.service_auth,
    )
    assert changed.status_code == 200, changed.text
    assert changed.json()["enabled"] is False
    assert changed.json()["events"] == ["user.created"]
    assert changed.json()["description"] is None

    deleted = await project.call("DELETE", f"/webhooks/{first['id']}", headers=project.service_auth)
    assert deleted.status_code == 204
    again = await project.call("GET", f"/webhooks/{first['id']}", headers=project.service_auth)
    assert again.status_code == 404
    assert again.json()["code"] == "webhook/not-found"


async def test_rotation_answers_a_new_secret(project: ProjectFactory) -> None:
    created = await create(project)
    rotated = await project.call(
        "POST", f"/webhooks/{created['id']}/rotate-secret", headers=project.service_auth
    )
    assert rotated.status_code == 200
    assert rotated.json()["secret"].startswith("whsec_")
    assert rotated.json()["secret"] != created["secret"]


async def test_a_user_token_is_forbidden_and_no_credential_is_bare(
    project: ProjectFactory,
) -> None:
    ada = await project.user()
    forbidden = await project.call("GET", "/webhooks", as_user=ada)
    assert forbidden.status_code == 403
    assert forbidden.json()["code"] == "webhook/forbidden"
    missing = await project.call("POST", "/webhooks", json={"url": URL, "events": ["*"]})
    assert missing.status_code == 401
    assert "code" not in missing.text


async def test_another_projects_webhook_is_not_found(project: ProjectFactory) -> None:
    other = await ProjectFactory.create(project.app, project.client)
    theirs = await create(other)
    for method, path in [
        ("GET", f"/webhooks/{theirs['id']}"),
        ("PATCH", f"/webhooks/{theirs['id']}"),
        ("DELETE", f"/webhooks/{theirs['id']}"),
        ("POST", f"/webhooks/{theirs['id']}/rotate-secret"),
        ("GET", f"/webhooks/{theirs['id']}/deliveries"),
    ]:
        kwargs = {"json": {"enabled": False}} if method == "PATCH" else {}
        response = await project.call(method, path, headers=project.service_auth, **kwargs)
        assert response.status_code == 404, (method, path)
        assert response.json()["code"] == "webhook/not-found"


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"events": ["*"]}, "webhook/invalid-body"),
        ({"url": URL}, "webhook/invalid-body"),
        ({"url": URL, "events": []}, "webhook/invalid-body"),
        ({"url": URL, "events": ["connection.exploded"]}, "webhook/invalid-body"),
        ({"url": URL, "events": "*"}, "webhook/invalid-body"),
        ({"url": URL, "events": ["*"], "secret": "mine"}, "webhook/invalid-body"),
        ({"url": URL, "events": ["*"], "description": "x" * 501}, "webhook/invalid-body"),
        ({"url": 42, "events": ["*"]}, "webhook/invalid-body"),
        ({"url": "ftp://example.com/x", "events": ["*"]}, "webhook/invalid-url"),
        ({"url": "http://93.184.215.14/x", "events": ["*"]}, "webhook/invalid-url"),
        ({"url": "https://user:pw@93.184.215.14/x", "events": ["*"]}, "webhook/invalid-url"),
        ({"url": "not a url", "events": ["*"]}, "webhook/invalid-url"),
        ({"url": "https:///path", "events": ["*"]}, "webhook/invalid-url"),
    ],
)
async def test_bad_bodies(project: ProjectFactory, body: dict[str, object], code: str) -> None:
    response = await project.call("POST", "/webhooks", json=body, headers=project.service_auth)
    assert response.status_code == 400, response.text
    assert response.json()["code"] == code


@pytest.mark.parametrize(
    "url",
    [
        "https://127.0.0.1/hooks",
        "https://localhost:8443/hooks",  # a name that resolves to 127.0.0.1
        "https://[::1]/hooks",
        "https://10.1.2.3/hooks",
        "https://192.168.1.20/hooks",
        "https://172.16.0.5/hooks",
        "https://169.254.169.254/latest/meta-data",  # the cloud metadata address
        "https://[fe80::1]/hooks",
        "https://[::ffff:127.0.0.1]/hooks",
        "https://0.0.0.0/hooks",
        "https://224.0.0.1/hooks",
        "https://100.64.0.1/hooks",
        "https://no-such-host.invalid/hooks",
    ],
)
async def test_internal_addresses_are_refused(project: ProjectFactory, url: str) -> None:
    response = await project.call(
        "POST", "/webhooks", json={"url": url, "events": ["*"]}, headers=project.service_auth
    )
    assert response.status_code == 400, response.text
    assert response.json()["code"] == "webhook/invalid-url"
    assert response.json()["field"] == "url"


async def test_patch_checks_the_new_url_too(project: ProjectFactory) -> None:
    created = await create(project)
    response = await project.call(
        "PATCH",
        f"/webhooks/{created['id']}",
        json={"url": "https://localhost/hooks"},
        headers=project.service_auth,
    )
    assert response.status_code == 400
    assert response.json()["code"] == "webhook/invalid-url"
    nulled = await project.call(
        "PATCH", f"/webhooks/{created['id']}", json={"url": None}, headers=project.service_auth
    )
    assert nulled.status_code == 400
    assert nulled.json()["code"] == "webhook/invalid-body"


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/webhooks/not-an-id"),
        ("PATCH", "/webhooks/not-an-id"),
        ("DELETE", "/webhooks/not-an-id"),
        ("POST", "/webhooks/not-an-id/rotate-secret"),
        ("GET", "/webhooks/not-an-id/deliveries"),
        ("POST", "/webhooks/7d0f5a53-31c4-4c6e-9a5f-1d2b8f0e6a41/deliveries/not-an-id/redeliver"),
    ],
)
async def test_invalid_ids(project: ProjectFactory, method: str, path: str) -> None:
    kwargs = {"json": {"enabled": True}} if method == "PATCH" else {}
    response = await project.call(method, path, headers=project.service_auth, **kwargs)
    assert response.status_code == 400
    assert response.json()["code"] == "webhook/invalid-id"


async def test_redeliver_of_an_unknown_delivery(project: ProjectFactory) -> None:
    created = await create(project)
    response = await project.call(
        "POST",
        f"/webhooks/{created['id']}/deliveries/{uuid.uuid4()}/redeliver",
        headers=project.service_auth,
    )
    assert response.status_code == 404
    assert response.json()["code"] == "webhook/delivery-not-found"


@pytest.mark.parametrize("enabled", ["yes", "true", "false", 1, 0])
async def test_enabled_takes_only_a_json_boolean(project: ProjectFactory, enabled: object) -> None:
    path = f"/webhooks/{(await create(project))['id']}"
    off = await project.call("PATCH", path, json={"enabled": False}, headers=project.service_auth)
    assert off.json()["enabled"] is False
    response = await project.call(
        "PATCH", path, json={"enabled": enabled}, headers=project.service_auth
    )
    assert response.status_code == 400, response.text
    assert response.json()["code"] == "webhook/invalid-body"
    assert response.json()["field"] == "enabled"
    after = await project.call("GET", path, headers=project.service_auth)
    assert after.json()["enabled"] is False
