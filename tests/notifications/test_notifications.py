"""§4: which connection events notify whom, and the four app-notification endpoints."""

import uuid

import pytest
from sqlalchemy.ext.asyncio import AsyncConnection

from mutuals.kit.db.database import Database
from mutuals.kit.timestamps import utc_now
from mutuals.notifications.service import notify_connection_event, retract_connection_request
from mutuals.users.repository import get_public_users
from tests.assertions import ID, TIMESTAMP, assert_bare, assert_error, assert_json
from tests.connections.factories import connect, decline, request
from tests.factories import Member, ProjectFactory


async def notifications_of(project: ProjectFactory, user: Member) -> list[dict[str, object]]:
    response = await project.call("GET", "/app-notifications?limit=50", user)
    assert response.status_code == 200, response.text
    data: list[dict[str, object]] = response.json()["data"]
    return data


def expected(
    project: ProjectFactory, recipient: Member, kind: str, connection_id: str, initiator: Member
) -> dict[str, object]:
    return {
        "id": ID,
        "projectId": project.id,
        "userId": recipient.id,
        "type": kind,
        "action": "open-profile",
        "isRead": False,
        "metadata": {
            "connectionId": connection_id,
            "initiatorId": initiator.id,
            "initiatorName": initiator.name,
            "initiatorUsername": initiator.username,
            "initiatorAvatar": None,
        },
        "createdAt": TIMESTAMP,
        "updatedAt": TIMESTAMP,
    }


async def test_request_notifies_the_receiver(project: ProjectFactory) -> None:
    ada, bob = await project.user(), await project.user()
    connection_id = await request(project, ada, bob)
    assert await notifications_of(project, bob) == [
        expected(project, bob, "connection-request", connection_id, ada)
    ]
    assert await notifications_of(project, ada) == []


async def test_accept_notifies_the_requester(project: ProjectFactory) -> None:
    ada, bob = await project.user(), await project.user()
    connection_id = await connect(project, ada, bob)
    assert await notifications_of(project, ada) == [
        expected(project, ada, "connection-accepted", connection_id, bob)
    ]
    assert len(await notifications_of(project, bob)) == 1


async def test_decline_withdraw_and_disconnect_notify_no_one(project: ProjectFactory) -> None:
    ada, bob, cat = await project.user(), await project.user(), await project.user()
    await decline(project, ada, bob)
    withdrawn = await request(project, ada, cat)
    await project.call("DELETE", f"/connections/{withdrawn}", ada)
    connected = await connect(project, cat, bob)
    await project.call("DELETE", f"/connections/{connected}", bob)
    kinds = {
        user.username: [n["type"] for n in await notifications_of(project, user)]
        for user in (ada, bob, cat)
    }
    assert kinds == {
        ada.username: [],
        bob.username: ["connection-request", "connection-request"],
        # ada's withdrawn request to cat is no longer announced.
        cat.username: ["connection-accepted"],
    }


@pytest.mark.parametrize("how", ["by-id", "by-user"])
async def test_withdrawal_retracts_the_unread_request_notification(
    project: ProjectFactory, how: str
) -> None:
    ada, bob, cat = await project.user(), await project.user(), await project.user()
    unread = await request(project, ada, bob)
    already_read = await request(project, cat, bob)
    other = await request(project, cat, ada)
    read_id = next(
        n["id"]
        for n in await notifications_of(project, bob)
        if n["metadata"]["connectionId"] == already_read
    )
    await project.call("PATCH", f"/app-notifications/{read_id}/mark-as-read", bob)
    for requester, connection_id in ((ada, unread), (cat, already_read)):
        path = f"/connections/{connection_id}" if how == "by-id" else f"/users/{bob.id}/connection"
        response = await project.call("DELETE", path, requester)
        assert response.json()["message"] == "Connection request withdrawn successfully."
    # The unread one is gone; the read one stays; ada's own notification is untouched.
    remaining = await notifications_of(project, bob)
    assert [(n["metadata"]["connectionId"], n["isRead"]) for n in remaining] == [
        (already_read, True)
    ]
    assert_json(await project.call("GET", "/app-notifications/count", bob), 200, 0)
    assert [n["metadata"]["connectionId"] for n in await notifications_of(project, ada)] == [other]


async def test_declined_and_accepted_requests_keep_their_notification(
    project: ProjectFactory,
) -> None:
    ada, bob, cat = await project.user(), await project.user(), await project.user()
    declined = await decline(project, ada, bob)
    connected = await connect(project, cat, bob)
    await project.call("DELETE", f"/connections/{connected}", cat)
    assert sorted(
        n["metadata"]["connectionId"] for n in await notifications_of(project, bob)
    ) == sorted([declined, connected])


@pytest.mark.parametrize("failure", ["self", "unknown", "pending", "bad-message"])
async def test_failed_request_leaves_no_notification(project: ProjectFactory, failure: str) -> None:
    ada, bob = await project.user(), await project.user()
    if failure == "pending":
        await request(project, ada, bob)
    target = {"self": ada.id, "unknown": str(uuid.uuid4())}.get(failure, bob.id)
    body = {"message": 5} if failure == "bad-message" else {}
    response = await project.call("POST", f"/users/{target}/connection", ada, json=body)
    assert response.status_code >= 400
    expected_count = 1 if failure == "pending" else 0
    assert len(await notifications_of(project, bob)) == expected_count
    assert await notifications_of(project, ada) == []


async def test_count_and_mark_as_read(project: ProjectFactory) -> None:
    ada, bob, cat = await project.user(), await project.user(), await project.user()
    await request(project, ada, cat)
    await request(project, bob, cat)
    assert_json(await project.call("GET", "/app-notifications/count", cat), 200, 2)
    newest = (await notifications_of(project, cat))[0]
    marked = await project.call("PATCH", f"/app-notifications/{newest['id']}/mark-as-read", cat)
    assert marked.status_code == 200
    assert marked.content == b""
    assert_json(await project.call("GET", "/app-notifications/count", cat), 200, 1)
    again = await project.call("PATCH", f"/app-notifications/{newest['id']}/mark-as-read", cat)
    assert again.status_code == 200
    listed = await notifications_of(project, cat)
    assert [n["isRead"] for n in listed] == [True, False]
    all_read = await project.call("PATCH", "/app-notifications/mark-all-as-read", cat)
    assert_json(all_read, 200, {"markedAsRead": 1})
    assert_json(await project.call("GET", "/app-notifications/count", cat), 200, 0)
    assert_json(
        await project.call("PATCH", "/app-notifications/mark-all-as-read", cat),
        200,
        {"markedAsRead": 0},
    )


async def test_someone_elses_notification_is_not_found(project: ProjectFactory) -> None:
    ada, bob = await project.user(), await project.user()
    await request(project, ada, bob)
    notification = (await notifications_of(project, bob))[0]
    response = await project.call(
        "PATCH", f"/app-notifications/{notification['id']}/mark-as-read", ada
    )
    assert_error(response, 404, "app-notification/not-found")
    assert (await notifications_of(project, bob))[0]["isRead"] is False


async def test_notification_errors(project: ProjectFactory) -> None:
    ada = await project.user()
    assert_error(
        await project.call("PATCH", "/app-notifications/nope/mark-as-read", ada),
        400,
        "app-notification/invalid-params",
    )
    assert_error(
        await project.call("PATCH", f"/app-notifications/{uuid.uuid4()}/mark-as-read", ada),
        404,
        "app-notification/not-found",
    )
    for query in ("page=0", "limit=x", "page=1.5"):
        assert_error(
            await project.call("GET", f"/app-notifications?{query}", ada),
            400,
            "app-notification/invalid-query",
        )
    assert_bare(await project.call("GET", "/app-notifications"), 401)


async def test_pagination_defaults_and_clamp(project: ProjectFactory) -> None:
    cat = await project.user()
    for _ in range(6):
        await request(project, await project.user(), cat)
    first = await project.call("GET", "/app-notifications", cat)
    assert len(first.json()["data"]) == 5
    assert first.json()["pagination"] == {
        "page": 1,
        "pageSize": 5,
        "totalPages": 2,
        "totalItems": 6,
        "hasMore": True,
    }
    clamped = await project.call("GET", "/app-notifications?limit=500", cat)
    assert clamped.json()["pagination"]["pageSize"] == 50
    assert len(clamped.json()["data"]) == 6


async def test_a_notice_retracted_in_its_own_transaction_is_gone(project: ProjectFactory) -> None:
    """Notifications wait for the commit (kit/db/appends.py); a retraction in the same transaction
    writes them first, so it finds and removes the notice."""
    ada, bob = await project.user(), await project.user()
    project_id, connection_id = uuid.UUID(project.id), uuid.uuid4()
    ada_id, bob_id = uuid.UUID(ada.id), uuid.UUID(bob.id)
    database: Database = project.app.state.database

    async def notify_bob(connection: AsyncConnection) -> None:
        profiles = await get_public_users(connection, project_id, (ada_id, bob_id))
        await notify_connection_event(
            connection,
            project_id,
            bob_id,
            "connection-request",
            connection_id,
            profiles[ada_id],
            utc_now(),
        )

    async with database.transaction() as connection:
        await notify_bob(connection)
        await retract_connection_request(connection, project_id, bob_id, connection_id)
    assert await notifications_of(project, bob) == []
    async with database.transaction() as connection:
        await notify_bob(connection)
    assert await notifications_of(project, bob) == [
        expected(project, bob, "connection-request", str(connection_id), ada)
    ]
