"""§10.1: a change retried with its Idempotency-Key gets the first answer and changes nothing."""

import uuid
from datetime import timedelta
from typing import Any

import httpx
from sqlalchemy import func, select, update

from mutuals.config import Settings
from mutuals.idempotency import service as idempotency
from mutuals.kit.db.database import Database, lock_pair
from mutuals.kit.timestamps import utc_now
from mutuals.models import idempotency_keys
from tests.assertions import assert_error
from tests.factories import Member, ProjectFactory
from tests.invariants import assert_graph_sound, notification_counts
from tests.operations.test_dependency_outages import postgres_only, served


async def send(
    project: ProjectFactory,
    method: str,
    path: str,
    user: Member | None,
    key: str,
    **kwargs: Any,
) -> httpx.Response:
    headers = {"Idempotency-Key": key, **kwargs.pop("headers", {})}
    return await project.call(method, path, user, headers=headers, **kwargs)


def replayed(response: httpx.Response) -> bool:
    return response.headers.get("idempotent-replayed") == "true"


async def counts(project: ProjectFactory, user: Member) -> dict[str, Any]:
    database: Database = project.app.state.database
    connection_count = await project.call("GET", "/connections/count", user)
    pending = await project.call("GET", "/connections/pending/received", user)
    return {
        "connections": connection_count.json(),
        "pending": pending.json()["pagination"]["totalItems"],
        "notifications": await notification_counts(database, project.id),
    }


async def test_a_retried_request_gets_the_first_answer_and_changes_nothing(
    project: ProjectFactory,
) -> None:
    ada, bob = await project.user(), await project.user()
    path = f"/users/{bob.id}/connection"
    first = await send(project, "POST", path, ada, "req-1", json={"message": "hi"})
    assert first.status_code == 201, first.text
    assert not replayed(first)
    before = await counts(project, bob)
    for _ in range(3):
        again = await send(project, "POST", path, ada, "req-1", json={"message": "hi"})
        assert again.status_code == 201
        assert again.content == first.content
        assert again.headers["content-type"] == first.headers["content-type"]
        assert replayed(again)
    assert await counts(project, bob) == before
    # Without the key the same request is the ordinary conflict.
    plain = await project.call("POST", path, ada, json={"message": "hi"})
    assert_error(plain, 409, "connection/request-pending")

    # An accept and a delete retried are not failures either.
    connection_id = first.json()["id"]
    accept = f"/connections/{connection_id}/accept"
    accepted = await send(project, "PATCH", accept, bob, "acc-1")
    assert accepted.status_code == 200
    again = await send(project, "PATCH", accept, bob, "acc-1")
    assert (again.status_code, again.content, replayed(again)) == (200, accepted.content, True)
    removed = await send(project, "DELETE", f"/connections/{connection_id}", ada, "del-1")
    assert (removed.status_code, replayed(removed)) == (200, False)
    again = await send(project, "DELETE", f"/connections/{connection_id}", ada, "del-1")
    assert (again.status_code, again.content, replayed(again)) == (200, removed.content, True)
    await assert_graph_sound(project)


async def test_no_content_answers_replay_empty(project: ProjectFactory) -> None:
    ada, bob = await project.user(), await project.user()
    await project.call("POST", f"/users/{bob.id}/follow", ada, json={})
    first = await send(project, "DELETE", f"/users/{bob.id}/follow", ada, "k")
    again = await send(project, "DELETE", f"/users/{bob.id}/follow", ada, "k")
    assert (first.status_code, first.content, replayed(first)) == (204, b"", False)
    assert (again.status_code, again.content, replayed(again)) == (204, b"", True)


async def test_refusals_are_remembered_too(project: ProjectFactory) -> None:
    ada, bob = await project.user(), await project.user()
    first = await send(project, "POST", f"/users/{bob.id}/follow", ada, "f", json={})
    assert first.status_code == 201
    conflict = await project.call("POST", f"/users/{bob.id}/follow", ada, json={})
    assert conflict.status_code == 409
    # The 409 of a keyed request is stored: the retry replays it even after an unfollow.
    keyed = await send(project, "POST", f"/users/{bob.id}/follow", ada, "again", json={})
    assert_error(keyed, 409, "follow/already-exists")
    await project.call("DELETE", f"/users/{bob.id}/follow", ada)
    retry = await send(project, "POST", f"/users/{bob.id}/follow", ada, "again", json={})
    assert (retry.status_code, retry.content, replayed(retry)) == (409, keyed.content, True)
    status = await project.call("GET", f"/users/{bob.id}/follow", ada)
    assert status.json() == {"isFollowing": False}


async def test_a_key_is_bound_to_method_path_and_body(project: ProjectFactory) -> None:
    ada, bob, cat = [await project.user() for _ in range(3)]
    first = await send(project, "POST", f"/users/{bob.id}/connection", ada, "k", json={})
    assert first.status_code == 201
    for method, path, body in (
        ("POST", f"/users/{bob.id}/connection", {"message": "other"}),
        ("POST", f"/users/{cat.id}/connection", {}),
        ("POST", f"/users/{bob.id}/follow", {}),
        ("DELETE", f"/users/{bob.id}/connection", None),
    ):
        response = await send(project, method, path, ada, "k", json=body)
        assert_error(response, 422, "idempotency/key-reused")
    assert (await project.call("GET", f"/users/{cat.id}/connection", ada)).json() == {
        "status": "none"
    }


async def test_keys_belong_to_their_caller(project: ProjectFactory) -> None:
    ada, bob, cat = [await project.user() for _ in range(3)]
    mine = await send(project, "POST", f"/users/{cat.id}/follow", ada, "shared", json={})
    theirs = await send(project, "POST", f"/users/{cat.id}/follow", bob, "shared", json={})
    assert (mine.status_code, theirs.status_code) == (201, 201)
    assert not replayed(theirs)
    assert mine.json()["followerId"] == ada.id
    assert theirs.json()["followerId"] == bob.id
    # A service key acting for a user has keys of its own, apart from the user's.
    acting = {"Authorization": f"Bearer {project.service_key}"}
    keyed = await send(
        project,
        "POST",
        f"/users/{ada.id}/follow",
        None,
        "shared",
        headers=acting,
        json={"actingUserId": cat.id},
    )
    assert (keyed.status_code, replayed(keyed)) == (201, False)


async def test_malformed_keys(project: ProjectFactory) -> None:
    ada, bob = await project.user(), await project.user()
    for key in ("", "x" * 256, "tab\there", "bell\x07"):
        response = await send(project, "POST", f"/users/{bob.id}/follow", ada, key, json={})
        assert_error(response, 400, "idempotency/invalid-key")
    assert (await project.call("GET", f"/users/{bob.id}/follow", ada)).json() == {
        "isFollowing": False
    }
    longest = await send(project, "POST", f"/users/{bob.id}/follow", ada, "~" * 255, json={})
    assert longest.status_code == 201
    # Reads ignore the header.
    read = await send(project, "GET", f"/users/{bob.id}/follow", ada, "")
    assert read.status_code == 200


async def test_keys_expire_after_a_day_and_are_purged(project: ProjectFactory) -> None:
    ada, bob = await project.user(), await project.user()
    path = f"/users/{bob.id}/follow"
    assert (await send(project, "POST", path, ada, "old", json={})).status_code == 201
    await project.call("DELETE", path, ada)
    database: Database = project.app.state.database
    project_rows = idempotency_keys.c.project_id == uuid.UUID(project.id)
    async with database.transaction() as connection:
        await connection.execute(
            update(idempotency_keys)
            .where(project_rows)
            .values(created_at=utc_now() - timedelta(hours=24, seconds=1))
        )
    # Expired: the key runs again (and is stored afresh).
    again = await send(project, "POST", path, ada, "old", json={})
    assert (again.status_code, replayed(again)) == (201, False)
    assert (await send(project, "POST", path, ada, "old", json={})).status_code == 201

    async with database.transaction() as connection:
        await connection.execute(
            update(idempotency_keys)
            .where(project_rows)
            .values(created_at=utc_now() - timedelta(hours=25))
        )
    await send(project, "POST", f"/users/{ada.id}/follow", bob, "live", json={})
    async with database.transaction() as connection:
        while await idempotency.purge_expired(connection, 1) == 1:
            pass
        remaining = await connection.execute(
            select(idempotency_keys.c.key, func.count()).where(project_rows).group_by("key")
        )
        assert dict(remaining.all()) == {"live": 1}


async def test_a_server_error_is_not_remembered(
    project: ProjectFactory, settings: Settings
) -> None:
    """A 503 (here: the statement timeout, while another transaction holds the pair's
    lock) is not stored: the retry with the same key runs again and succeeds."""
    postgres_only(settings)
    ada, bob = await project.user(), await project.user()
    path = f"{project.base}/users/{bob.id}/follow"
    headers = {**ada.auth, "Idempotency-Key": "after-outage"}
    database: Database = project.app.state.database
    async with served(settings, database_statement_timeout_seconds=0.5) as http:
        async with database.transaction() as holder:
            await lock_pair(holder, uuid.UUID(project.id), uuid.UUID(ada.id), uuid.UUID(bob.id))
            failed = await http.post(path, headers=headers, json={})
        assert failed.status_code == 503, failed.text
        retry = await http.post(path, headers=headers, json={})
    assert (retry.status_code, replayed(retry)) == (201, False)
    assert (await project.call("GET", f"/users/{bob.id}/followers-count")).json() == {"count": 1}


async def test_profile_updates_replay_too(project: ProjectFactory) -> None:
    """PATCH /users/{id} (the user, or the service key) takes keys like every change."""
    ada = await project.user()
    first = await send(project, "PATCH", f"/users/{ada.id}", ada, "rename", json={"name": "A"})
    assert first.status_code == 200, first.text
    await project.call("PATCH", f"/users/{ada.id}", ada, json={"name": "B"})
    again = await send(project, "PATCH", f"/users/{ada.id}", ada, "rename", json={"name": "A"})
    assert (again.status_code, again.content, replayed(again)) == (200, first.content, True)
    assert (await project.call("GET", f"/users/{ada.id}")).json()["name"] == "B"
    acting = {"Authorization": f"Bearer {project.service_key}"}
    keyed = await send(
        project, "PATCH", f"/users/{ada.id}", None, "rename", headers=acting, json={"name": "C"}
    )
    assert (keyed.status_code, replayed(keyed)) == (200, False)
