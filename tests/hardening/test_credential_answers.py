"""API.md §1: every credential failure answers bare, as Replyke v7 does, so the official
client SDK refreshes its token; a valid credential that may not act keeps its JSON code."""

import time
import uuid

import httpx
import jwt
import pytest

from mutuals.auth.tokens import TokenSigner
from mutuals.kit.db.database import Database
from mutuals.projects.service_keys import issue_service_key, revoke_service_key
from tests.assertions import assert_bare, assert_error, assert_json
from tests.factories import Member, ProjectFactory

# One endpoint that needs a credential and one public endpoint; both must answer alike.
PROTECTED = "/connections/count"


def public_path(user: Member) -> str:
    return f"/users/{user.id}/connections-count"


async def _sent_credentials(project: ProjectFactory, ada: Member) -> dict[str, dict[str, str]]:
    """Each credential of §1's list that is sent and must fail, as request headers."""
    signer: TokenSigner = project.app.state.token_signer
    pid, uid = uuid.UUID(project.id), uuid.UUID(ada.id)
    now = int(time.time())
    claims = {"sub": ada.id, "pid": project.id, "typ": "access", "iat": now, "jti": "j"}
    other = await ProjectFactory.create(project.app, project.client)
    revoked = await _revoked_service_key(project)
    bearer = {
        "malformed": "not-a-jwt",
        "expired": signer.issue("access", pid, uid, extra_claims={"exp": now - 5}),
        "wrongly signed": jwt.encode(
            {**claims, "exp": now + 600}, "another-secret-of-at-least-32-chars", algorithm="HS256"
        ),
        "another project's token": signer.issue("access", uuid.UUID(other.id), uid),
        "refresh token as access token": signer.issue(
            "refresh", pid, uid, extra_claims={"fam": str(uuid.uuid4())}
        ),
        "unknown service key": "mut_sk_" + "x" * 43,
        "revoked service key": revoked,
        "another project's service key": other.service_key,
    }
    sent = {name: {"Authorization": f"Bearer {value}"} for name, value in bearer.items()}
    sent["service key with another X-Replyke-Project-ID"] = {
        **project.service_auth,
        "X-Replyke-Project-ID": other.id,
    }
    return sent


async def _revoked_service_key(project: ProjectFactory) -> str:
    database: Database = project.app.state.database
    async with database.transaction() as connection:
        key = await issue_service_key(connection, uuid.UUID(project.id), label="to revoke")
        assert await revoke_service_key(connection, uuid.UUID(project.id), key)
    return key


async def test_no_credential_is_a_bare_401_where_one_is_needed(project: ProjectFactory) -> None:
    ada = await project.user()
    assert_bare(await project.call("GET", PROTECTED), 401)
    for header in ("Basic YWRhOnB3", "Bearer", "Bearer    ", ada.token):
        response = await project.call("GET", PROTECTED, headers={"Authorization": header})
        assert_bare(response, 401)
    # No header at all on a public endpoint is an anonymous visitor.
    assert_json(await project.call("GET", public_path(ada)), 200, {"count": 0})


async def test_every_failing_credential_is_a_bare_403(project: ProjectFactory) -> None:
    ada = await project.user()
    for name, headers in (await _sent_credentials(project, ada)).items():
        query = f"?actingUserId={ada.id}"
        for path in (PROTECTED + query, public_path(ada) + query):
            response = await project.call("GET", path, headers=headers)
            assert response.status_code == 403, (name, path, response.text)
            assert_bare(response, 403)


async def test_writes_answer_the_same_way(project: ProjectFactory) -> None:
    ada, bob = await project.user(), await project.user()
    path = f"/users/{bob.id}/connection"
    assert_bare(await project.call("POST", path, json={}), 401)
    garbage = {"Authorization": "Bearer garbage"}
    assert_bare(await project.call("POST", path, json={}, headers=garbage), 403)
    assert_bare(await project.call("PATCH", f"/users/{ada.id}", json={}, headers=garbage), 403)


async def test_a_valid_credential_that_may_not_act_keeps_its_json_code(
    project: ProjectFactory,
) -> None:
    ada, bob, carol = await project.user(), await project.user(), await project.user()
    created = await project.call("POST", f"/users/{bob.id}/connection", ada, json={})
    response = await project.call("PATCH", f"/connections/{created.json()['id']}/accept", carol)
    assert_error(response, 403, "connection/unauthorized")
    assert response.headers["content-type"] == "application/json"
    assert "www-authenticate" not in response.headers
    assert_error(
        await project.call("PATCH", f"/users/{bob.id}", ada, json={"name": "x"}),
        403,
        "user/unauthorized",
    )


@pytest.mark.parametrize(
    "path", ["/auth/request-new-access-token", "/auth/sign-out", "/auth/sign-in"]
)
async def test_auth_endpoints_ignore_the_authorization_header(
    project: ProjectFactory, path: str
) -> None:
    expired = {"Authorization": "Bearer expired-or-garbage"}
    response = await project.call("POST", path, json={}, headers=expired)
    assert response.status_code in {200, 204, 400}, response.text
    assert "www-authenticate" not in response.headers


async def test_openapi_documents_the_bare_answers(client: httpx.AsyncClient) -> None:
    document = (await client.get("/openapi.json")).json()
    count = document["paths"]["/v7/{projectId}/connections/count"]["get"]["responses"]
    assert count["401"]["content"]["text/plain"]["schema"]["example"] == "Unauthorized"
    assert "WWW-Authenticate" in count["401"]["headers"]
    assert "text/plain" in count["403"]["content"]
    public = document["paths"]["/v7/{projectId}/users/{userId}/connections-count"]["get"]
    assert public["responses"]["403"]["content"]["text/plain"]["schema"]["example"] == "Forbidden"
