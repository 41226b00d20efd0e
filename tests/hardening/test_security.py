"""The security suite (OWASP API Top 10 where it applies): object-level authorization,
cross-project isolation, JWT abuse, mass assignment and resource limits."""

import time
import uuid

import jwt

from mutuals.auth.tokens import TokenSigner
from tests.assertions import assert_bare, assert_error, assert_json
from tests.connections.factories import connect, request
from tests.factories import Member, ProjectFactory


async def snapshot(project: ProjectFactory, *users: Member) -> list[object]:
    """Everything these users can see about their graph and notifications."""
    seen: list[object] = []
    for user in users:
        for path in (
            "/connections",
            "/connections/pending/sent",
            "/connections/pending/received",
            "/app-notifications?limit=50",
        ):
            seen.append((await project.call("GET", path, user)).json())
    return seen


async def test_object_level_authorization(project: ProjectFactory) -> None:
    ada, bob, eve = await project.user(), await project.user(), await project.user()
    pending = await request(project, ada, bob)
    accepted = await connect(project, bob, await project.user())
    notification = (await project.call("GET", "/app-notifications", bob)).json()["data"][0]["id"]
    before = await snapshot(project, ada, bob)
    attempts = [
        ("PATCH", f"/connections/{pending}/accept", 403, "connection/unauthorized"),
        ("PATCH", f"/connections/{pending}/decline", 403, "connection/unauthorized"),
        ("DELETE", f"/connections/{pending}", 403, "connection/unauthorized"),
        ("DELETE", f"/connections/{accepted}", 403, "connection/unauthorized"),
        ("PATCH", f"/connections/{accepted}/accept", 404, "connection/not-found"),
        (
            "PATCH",
            f"/app-notifications/{notification}/mark-as-read",
            404,
            "app-notification/not-found",
        ),
        ("PATCH", f"/users/{ada.id}", 403, "user/unauthorized"),
    ]
    for method, path, status, code in attempts:
        response = await project.call(method, path, eve, json={"name": "eve was here"})
        assert_error(response, status, code)
    assert await snapshot(project, ada, bob) == before


async def test_cross_project_isolation(project: ProjectFactory) -> None:
    other = await ProjectFactory.create(project.app, project.client)
    ada, bob = await project.user(), await project.user()
    connection_id = await connect(project, ada, bob)
    notification = (await project.call("GET", "/app-notifications", ada)).json()["data"][0]["id"]
    mallory = await other.user()

    # Project A's ids on project B's paths, with B's own credentials: nothing is there.
    for method, path, status, code in [
        ("GET", f"/users/{ada.id}", 404, "user/not-found"),
        ("GET", f"/users/{ada.id}/connections", 404, "connection/user-not-found"),
        ("GET", f"/users/{ada.id}/connections-count", 404, "connection/user-not-found"),
        ("POST", f"/users/{ada.id}/connection", 404, "connection/user-not-found"),
        ("PATCH", f"/connections/{connection_id}/accept", 404, "connection/not-found"),
        ("DELETE", f"/connections/{connection_id}", 404, "connection/not-found"),
        (
            "PATCH",
            f"/app-notifications/{notification}/mark-as-read",
            404,
            "app-notification/not-found",
        ),
    ]:
        assert_error(await other.call(method, path, mallory, json={}), status, code)
    # Project A's credentials on project B's paths: 401.
    for credential in (ada.token, project.service_key):
        response = await other.call(
            "GET",
            f"/connections/count?actingUserId={mallory.id}",
            headers={"Authorization": f"Bearer {credential}"},
        )
        assert_bare(response, 403)
    # Nothing of A shows in B's lists, counts or notifications.
    assert_json(await other.call("GET", "/connections/count", mallory), 200, {"count": 0})
    assert (await other.call("GET", "/app-notifications", mallory)).json()["data"] == []
    assert_json(await project.call("GET", "/connections/count", ada), 200, {"count": 1})


async def test_jwt_abuse(project: ProjectFactory) -> None:
    ada = await project.user()
    signer: TokenSigner = project.app.state.token_signer
    pid, uid = uuid.UUID(project.id), uuid.UUID(ada.id)
    now = int(time.time())
    claims = {"sub": ada.id, "pid": project.id, "typ": "access", "iat": now, "jti": "j"}
    forged = [
        jwt.encode({**claims, "exp": now + 600}, None, algorithm="none"),
        signer.issue("access", pid, uid, extra_claims={"exp": now - 1}),
        signer.issue("access", pid, uid, extra_claims={"nbf": now + 600}),
        signer.issue("access", uuid.uuid4(), uid),
        signer.issue("refresh", pid, uid, extra_claims={"fam": str(uuid.uuid4())}),
        jwt.encode(
            {**claims, "exp": now + 600}, "guessed-secret-guessed-secret-000", algorithm="HS256"
        ),
        jwt.encode({**claims, "exp": now + 600}, "x" * 64, algorithm="HS512"),
    ]
    for token in forged:
        response = await project.call(
            "GET", "/connections/count", headers={"Authorization": f"Bearer {token}"}
        )
        assert_bare(response, 403)


async def test_mass_assignment_is_ignored(project: ProjectFactory) -> None:
    ada, bob = await project.user(), await project.user()
    extras = {
        "status": "accepted",
        "requesterId": bob.id,
        "receiverId": ada.id,
        "projectId": str(uuid.uuid4()),
        "role": "admin",
        "reputation": 1_000_000,
    }
    created = await project.call("POST", f"/users/{bob.id}/connection", ada, json=extras)
    assert created.status_code == 201
    status = await project.call("GET", f"/users/{bob.id}/connection", ada)
    assert (status.json()["status"], status.json()["type"]) == ("pending", "sent")
    profile = await project.call("PATCH", f"/users/{ada.id}", ada, json=extras)
    assert profile.json()["reputation"] == 0
    assert profile.json()["projectId"] == project.id


async def test_resource_limits(project: ProjectFactory) -> None:
    ada, bob = await project.user(), await project.user()
    body = b'{"message": "' + b"x" * 100_000 + b'"}'
    response = await project.call(
        "POST",
        f"/users/{bob.id}/connection",
        ada,
        content=body,
        headers={"Content-Type": "application/json"},
    )
    assert_error(response, 413, "request/too-large")
    clamped = await project.call("GET", f"/users/{ada.id}/connections?limit=1000000")
    assert clamped.json()["pagination"]["pageSize"] == 100
    for page in ("999999999", "9" * 30):
        deep = await project.call("GET", f"/connections?page={page}", ada)
        assert deep.status_code == 200
        assert deep.json()["data"] == []
