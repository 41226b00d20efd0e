"""§9.1: every change is an event, with the record it changed and who changed it,
delivered to the webhooks subscribed when it committed."""

import uuid

import pytest
from sqlalchemy import func, select

from mutuals.kit import events
from mutuals.kit.db.database import Database
from mutuals.kit.timestamps import utc_now
from mutuals.models import events as events_table
from mutuals.webhooks.dispatcher import Dispatcher
from tests.factories import ProjectFactory
from tests.webhooks.helpers import by_type, deliveries, subscribe, type_counts
from tests.webhooks.receiver import receiving


async def test_connection_lifecycle_events(
    hook_project: ProjectFactory, dispatcher: Dispatcher
) -> None:
    project = hook_project
    ada, bob = await project.user(), await project.user()
    with receiving() as receiver:
        await subscribe(project, receiver.url)
        requested = await project.call(
            "POST", f"/users/{bob.id}/connection", ada, json={"message": "hello"}
        )
        connection_id = requested.json()["id"]
        await project.call("PATCH", f"/connections/{connection_id}/accept", bob)
        await project.call("DELETE", f"/connections/{connection_id}", ada)
        again = await project.call("POST", f"/users/{bob.id}/connection", ada)
        await project.call("DELETE", f"/users/{bob.id}/connection", ada)  # withdraw
        back = await project.call("POST", f"/users/{ada.id}/connection", bob)
        await project.call("PATCH", f"/connections/{back.json()['id']}/decline", ada)
        await dispatcher.drain()
        got = by_type(receiver.received)

    assert type_counts(receiver.received) == {
        "connection.requested": 3,
        "connection.accepted": 1,
        "connection.removed": 1,
        "connection.withdrawn": 1,
        "connection.declined": 1,
        "notification.created": 4,  # three requests and one acceptance
    }
    first = got["connection.requested"][0]
    assert first["projectId"] == project.id
    assert first["data"]["actorId"] == ada.id
    assert first["data"]["connection"] == {
        "id": connection_id,
        "requesterId": ada.id,
        "receiverId": bob.id,
        "status": "pending",
        "message": "hello",
        "createdAt": requested.json()["createdAt"],
        "respondedAt": None,
    }
    accepted = got["connection.accepted"][0]["data"]
    assert accepted["actorId"] == bob.id
    assert accepted["connection"]["status"] == "accepted"
    assert accepted["connection"]["respondedAt"] is not None
    removed = got["connection.removed"][0]["data"]
    assert removed["actorId"] == ada.id
    assert removed["connection"]["id"] == connection_id
    assert removed["connection"]["status"] == "accepted"  # the record before the deletion
    withdrawn = got["connection.withdrawn"][0]["data"]
    assert withdrawn["connection"]["id"] == again.json()["id"]
    assert withdrawn["connection"]["status"] == "pending"
    assert "reason" not in withdrawn
    declined = got["connection.declined"][0]["data"]
    assert declined["actorId"] == ada.id
    assert declined["connection"]["id"] == back.json()["id"]
    assert declined["connection"]["status"] == "declined"
    notices = got["notification.created"]
    assert [notice["data"]["notification"]["type"] for notice in notices] == [
        "connection-request",
        "connection-accepted",
        "connection-request",
        "connection-request",
    ]
    assert notices[0]["data"]["notification"]["userId"] == bob.id
    assert notices[0]["data"]["actorId"] == ada.id


async def test_follow_user_and_block_events(
    hook_project: ProjectFactory, dispatcher: Dispatcher
) -> None:
    project = hook_project
    ada, bob = await project.user(), await project.user()
    with receiving() as receiver:
        await subscribe(project, receiver.url)
        signed_up = await project.call(
            "POST", "/auth/sign-up", json={"email": "cy@example.com", "password": "pw-long-enough"}
        )
        cy_id = signed_up.json()["user"]["id"]
        await project.call("PATCH", f"/users/{ada.id}", ada, json={"bio": "hi there"})
        followed = await project.call("POST", f"/users/{bob.id}/follow", ada)
        await project.call("DELETE", f"/users/{bob.id}/follow", ada)
        await project.call("POST", f"/users/{bob.id}/follow", ada)
        await project.call("POST", f"/users/{ada.id}/follow", bob)
        pending = await project.call("POST", f"/users/{bob.id}/connection", ada)
        blocked = await project.call("POST", f"/users/{bob.id}/block", ada)
        assert blocked.status_code == 201
        again = await project.call("POST", f"/users/{bob.id}/block", ada)
        assert again.status_code == 200
        await project.call("DELETE", f"/users/{bob.id}/block", ada)
        await project.call("DELETE", f"/users/{bob.id}/block", ada)  # not blocked: nothing
        await dispatcher.drain()
        got = by_type(receiver.received)

    assert type_counts(receiver.received) == {
        "user.created": 1,
        "user.updated": 1,
        "follow.created": 3,
        "follow.deleted": 3,  # one unfollow, two severed by the block
        "connection.requested": 1,
        "connection.withdrawn": 1,  # severed by the block
        "block.created": 1,
        "block.deleted": 1,
        # A follow/unfollow loop notifies once per window; one request.
        "notification.created": 3,
    }
    created = got["user.created"][0]["data"]
    assert created["user"]["id"] == cy_id
    assert created["user"]["email"] == "cy@example.com"
    assert created["actorId"] == cy_id
    updated = got["user.updated"][0]["data"]
    assert updated["user"]["id"] == ada.id
    assert updated["user"]["bio"] == "hi there"
    assert updated["actorId"] == ada.id
    assert got["follow.created"][0]["data"]["follow"] == followed.json()
    unfollowed, *severed = got["follow.deleted"]
    assert unfollowed["data"]["follow"] == followed.json()
    assert "reason" not in unfollowed["data"]
    assert {event["data"]["reason"] for event in severed} == {"block"}
    assert {event["data"]["actorId"] for event in severed} == {ada.id}
    assert {event["data"]["follow"]["followerId"] for event in severed} == {ada.id, bob.id}
    withdrawn = got["connection.withdrawn"][0]["data"]
    assert withdrawn["reason"] == "block"
    assert withdrawn["connection"]["id"] == pending.json()["id"]
    assert got["block.created"][0]["data"]["block"] == blocked.json()
    assert got["block.deleted"][0]["data"]["block"] == blocked.json()


async def test_a_block_severs_an_accepted_connection_with_its_event(
    hook_project: ProjectFactory, dispatcher: Dispatcher
) -> None:
    project = hook_project
    ada, bob = await project.user(), await project.user()
    requested = await project.call("POST", f"/users/{bob.id}/connection", ada)
    await project.call("PATCH", f"/connections/{requested.json()['id']}/accept", bob)
    with receiving() as receiver:
        await subscribe(project, receiver.url, ["connection.removed", "block.created"])
        await project.call("POST", f"/users/{ada.id}/block", bob)
        await dispatcher.drain()
    assert type_counts(receiver.received) == {"connection.removed": 1, "block.created": 1}
    removed = by_type(receiver.received)["connection.removed"][0]["data"]
    assert removed == {
        **removed,
        "reason": "block",
        "actorId": bob.id,
    }
    assert removed["connection"]["status"] == "accepted"


async def test_only_subscribed_enabled_and_existing_webhooks_receive(
    hook_project: ProjectFactory, dispatcher: Dispatcher
) -> None:
    project = hook_project
    ada, bob = await project.user(), await project.user()
    with receiving() as follows_only, receiving() as paused, receiving() as later:
        await subscribe(project, follows_only.url, ["follow.created"])
        paused_hook = await subscribe(project, paused.url)
        await project.call(
            "PATCH",
            f"/webhooks/{paused_hook['id']}",
            json={"enabled": False},
            headers=project.service_auth,
        )
        await project.call("POST", f"/users/{bob.id}/follow", ada)
        await project.call("POST", f"/users/{bob.id}/connection", ada)
        late_hook = await subscribe(project, later.url)
        await dispatcher.drain()
        assert type_counts(follows_only.received) == {"follow.created": 1}
        assert paused.received == []
        assert later.received == []
        assert await deliveries(project, late_hook["id"]) == []
        assert await deliveries(project, paused_hook["id"]) == []


async def test_a_rolled_back_change_records_nothing(hook_project: ProjectFactory) -> None:
    project = hook_project
    database: Database = project.app.state.database
    project_id = uuid.UUID(project.id)

    class AbandonedError(Exception):
        pass

    async def recorded() -> int:
        async with database.transaction(write=False) as connection:
            count = await connection.scalar(
                select(func.count())
                .select_from(events_table)
                .where(events_table.c.project_id == project_id)
            )
        return int(count or 0)

    async with database.transaction() as connection:
        events.record(connection, project_id, "user.updated", {"user": {}}, None, utc_now())
    assert await recorded() == 1
    with pytest.raises(AbandonedError):
        async with database.transaction() as connection:
            events.record(connection, project_id, "user.updated", {"user": {}}, None, utc_now())
            raise AbandonedError
    assert await recorded() == 1
