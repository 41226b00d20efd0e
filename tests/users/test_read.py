"""§3.6 GET /users/{userId}, and the credential rules of §1 it exercises."""

import time
import uuid

import jwt

from mutuals.auth.tokens import TokenSigner
from tests.assertions import TIMESTAMP, assert_bare, assert_error, assert_json
from tests.connections.factories import user_body
from tests.factories import ProjectFactory


async def test_public_profile_without_a_credential(project: ProjectFactory) -> None:
    ada = await project.user()
    assert_json(await project.call("GET", f"/users/{ada.id}"), 200, user_body(project, ada))


async def test_someone_elses_profile_is_public(project: ProjectFactory) -> None:
    ada, bob = await project.user(), await project.user()
    assert_json(await project.call("GET", f"/users/{ada.id}", bob), 200, user_body(project, ada))


def auth_user(project: ProjectFactory, user: object) -> dict[str, object]:
    body = user_body(project, user)  # type: ignore[arg-type]
    return {
        **body,
        "email": f"{body['username']}@example.com",
        "isVerified": False,
        "isActive": True,
        "lastActive": None,
        "authMethods": ["password"],
    }


async def test_own_profile_is_an_auth_user(project: ProjectFactory) -> None:
    ada = await project.user()
    assert_json(await project.call("GET", f"/users/{ada.id}", ada), 200, auth_user(project, ada))


async def test_service_key_acting_as_the_user_sees_the_auth_user(project: ProjectFactory) -> None:
    ada = await project.user()
    response = await project.call(
        "GET", f"/users/{ada.id}?actingUserId={ada.id}", headers=project.service_auth
    )
    assert_json(response, 200, auth_user(project, ada))
    public = await project.call("GET", f"/users/{ada.id}", headers=project.service_auth)
    assert_json(public, 200, user_body(project, ada))


async def test_invalid_and_unknown_user(project: ProjectFactory) -> None:
    assert_error(await project.call("GET", "/users/not-a-uuid"), 400, "user/invalid-params")
    assert_error(await project.call("GET", f"/users/{uuid.uuid4()}"), 404, "user/not-found")


async def test_user_of_another_project_does_not_exist_here(project: ProjectFactory) -> None:
    other = await ProjectFactory.create(project.app, project.client)
    stranger = await other.user()
    assert_error(await project.call("GET", f"/users/{stranger.id}"), 404, "user/not-found")


async def test_token_of_another_project_is_unauthorized(project: ProjectFactory) -> None:
    other = await ProjectFactory.create(project.app, project.client)
    stranger = await other.user()
    ada = await project.user()
    response = await project.call("GET", f"/users/{ada.id}", stranger)
    assert_bare(response, 403)


async def test_bad_tokens_are_unauthorized(project: ProjectFactory) -> None:
    ada = await project.user()
    signer: TokenSigner = project.app.state.token_signer
    expired = signer.issue(
        "access",
        uuid.UUID(project.id),
        uuid.UUID(ada.id),
        extra_claims={"exp": int(time.time()) - 10},
    )
    header, payload, signature = ada.token.split(".")
    tampered = f"{header}.{payload}.{signature[:-2]}{'AA' if signature[-2:] != 'AA' else 'BB'}"
    claims = {"sub": ada.id, "pid": project.id, "typ": "access", "iat": 1, "exp": 2**40, "jti": "x"}
    unsigned = jwt.encode(claims, key=None, algorithm="none")
    foreign_secret = jwt.encode(claims, "some-other-secret-of-32-characters!!", algorithm="HS256")
    refresh_as_access = signer.issue("refresh", uuid.UUID(project.id), uuid.UUID(ada.id))
    for credential in (expired, tampered, unsigned, foreign_secret, refresh_as_access, "garbage"):
        response = await project.call(
            "GET", f"/users/{ada.id}", headers={"Authorization": f"Bearer {credential}"}
        )
        assert_bare(response, 403)
    for header_value in ("Basic abc", "Bearer", "Bearer   ", ada.token):
        response = await project.call(
            "GET", f"/users/{ada.id}", headers={"Authorization": header_value}
        )
        assert_bare(response, 401)


async def test_service_key_rules(project: ProjectFactory) -> None:
    ada = await project.user()
    other = await ProjectFactory.create(project.app, project.client)
    foreign_key = {"Authorization": f"Bearer {other.service_key}"}
    assert_bare(
        await project.call("GET", f"/connections/count?actingUserId={ada.id}", headers=foreign_key),
        403,
    )
    mismatched = {**project.service_auth, "X-Replyke-Project-ID": other.id}
    assert_bare(
        await project.call("GET", f"/connections/count?actingUserId={ada.id}", headers=mismatched),
        403,
    )
    matching = {**project.service_auth, "X-Replyke-Project-ID": project.id}
    assert_json(
        await project.call("GET", f"/connections/count?actingUserId={ada.id}", headers=matching),
        200,
        {"count": 0},
    )
    assert_error(
        await project.call("GET", "/connections/count", headers=project.service_auth),
        400,
        "auth/acting-user-required",
    )
    for unknown in (str(uuid.uuid4()), "not-a-uuid"):
        assert_error(
            await project.call(
                "GET", f"/connections/count?actingUserId={unknown}", headers=project.service_auth
            ),
            404,
            "user/not-found",
        )
    stranger = await other.user()
    assert_error(
        await project.call(
            "GET", f"/connections/count?actingUserId={stranger.id}", headers=project.service_auth
        ),
        404,
        "user/not-found",
    )


async def test_service_key_acts_for_users_in_body_and_query(project: ProjectFactory) -> None:
    ada, bob = await project.user(), await project.user()
    created = await project.call(
        "POST",
        f"/users/{bob.id}/connection",
        headers=project.service_auth,
        json={"actingUserId": ada.id, "message": "via backend"},
    )
    assert created.status_code == 201, created.text
    connection_id = created.json()["id"]
    # The legacy `userId` in the body where the path has no {userId} of its own.
    accepted = await project.call(
        "PATCH",
        f"/connections/{connection_id}/accept",
        headers=project.service_auth,
        json={"userId": bob.id},
    )
    assert_json(
        accepted, 200, {"id": connection_id, "status": "accepted", "respondedAt": TIMESTAMP}
    )
    # actingUserId wins over userId when both are sent.
    listed = await project.call(
        "GET",
        f"/connections?actingUserId={ada.id}&userId={bob.id}",
        headers=project.service_auth,
    )
    assert [item["connectedUser"]["id"] for item in listed.json()["data"]] == [bob.id]
    legacy = await project.call(
        "GET", f"/connections/count?userId={bob.id}", headers=project.service_auth
    )
    assert_json(legacy, 200, {"count": 1})


async def test_legacy_user_id_is_not_read_where_the_path_has_a_user(
    project: ProjectFactory,
) -> None:
    ada, bob = await project.user(), await project.user()
    response = await project.call(
        "POST",
        f"/users/{bob.id}/connection",
        headers=project.service_auth,
        json={"userId": ada.id},
    )
    assert_error(response, 400, "auth/acting-user-required")
