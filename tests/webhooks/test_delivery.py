"""§9.3: signed deliveries, retried until they succeed, refused where they must not go."""

import asyncio
import hashlib
import hmac
import time
import uuid

import pytest
import standardwebhooks
from fastapi import FastAPI
from sqlalchemy import update

from mutuals.config import Settings
from mutuals.kit.db.database import Database
from mutuals.webhooks.dispatcher import Dispatcher
from tests.factories import ProjectFactory
from tests.webhooks.conftest import make_dispatcher
from tests.webhooks.helpers import deliveries, subscribe
from tests.webhooks.receiver import Received, free_port, receiving


def replyke_signatures(received: Received, secret: str) -> bool:
    """The X-Signature check a Replyke receiver does: hex HMAC of "{ms}.{body}"."""
    message = received.headers["x-timestamp"].encode() + b"." + received.body
    expected = hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()
    return any(
        hmac.compare_digest(expected, given) for given in received.headers["x-signature"].split(",")
    )


async def test_both_signature_schemes_verify(
    hook_project: ProjectFactory, dispatcher: Dispatcher
) -> None:
    project = hook_project
    ada, bob = await project.user(), await project.user()
    with receiving() as receiver:
        hook = await subscribe(project, receiver.url, ["follow.created"])
        await project.call("POST", f"/users/{bob.id}/follow", ada)
        await dispatcher.drain()
    [received] = receiver.received
    headers = received.headers
    assert headers["content-type"] == "application/json"
    assert headers["x-webhook-id"] == headers["webhook-id"] == received.event["id"]
    assert abs(int(headers["x-timestamp"]) - time.time() * 1000) < 60_000
    assert int(headers["webhook-timestamp"]) == int(headers["x-timestamp"]) // 1000
    assert replyke_signatures(received, hook["secret"])
    verified = standardwebhooks.Webhook(hook["secret"]).verify(received.body, headers)
    assert verified == received.event
    # The other way round: a wrong secret or a changed body fails both.
    assert not replyke_signatures(received, hook["secret"] + "x")
    wrong = standardwebhooks.Webhook("whsec_" + "QUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFB")
    with pytest.raises(standardwebhooks.WebhookVerificationError):
        wrong.verify(received.body, headers)
    with pytest.raises(standardwebhooks.WebhookVerificationError):
        standardwebhooks.Webhook(hook["secret"]).verify(received.body + b" ", headers)


async def test_rotation_signs_with_both_secrets_for_a_while(
    hook_project: ProjectFactory, dispatcher: Dispatcher
) -> None:
    project = hook_project
    ada, bob = await project.user(), await project.user()
    with receiving() as receiver:
        hook = await subscribe(project, receiver.url, ["follow.created", "follow.deleted"])
        rotated = await project.call(
            "POST", f"/webhooks/{hook['id']}/rotate-secret", headers=project.service_auth
        )
        new_secret = rotated.json()["secret"]
        await project.call("POST", f"/users/{bob.id}/follow", ada)
        await dispatcher.drain()
        [during] = receiver.received
        assert len(during.headers["x-signature"].split(",")) == 2
        assert len(during.headers["webhook-signature"].split(" ")) == 2
        for secret in (hook["secret"], new_secret):
            assert replyke_signatures(during, secret)
            standardwebhooks.Webhook(secret).verify(during.body, during.headers)

        # Once the overlap has passed, only the new secret signs.
        await expire_previous_secrets(project)
        await project.call("DELETE", f"/users/{bob.id}/follow", ada)
        await dispatcher.drain()
        after = receiver.received[1]
    assert len(after.headers["x-signature"].split(",")) == 1
    assert replyke_signatures(after, new_secret)
    assert not replyke_signatures(after, hook["secret"])
    standardwebhooks.Webhook(new_secret).verify(after.body, after.headers)
    with pytest.raises(standardwebhooks.WebhookVerificationError):
        standardwebhooks.Webhook(hook["secret"]).verify(after.body, after.headers)


async def expire_previous_secrets(project: ProjectFactory) -> None:
    from mutuals.models import webhooks  # noqa: PLC0415 - only this helper writes it

    database: Database = project.app.state.database
    async with database.transaction() as connection:
        await connection.execute(
            update(webhooks)
            .where(webhooks.c.project_id == uuid.UUID(project.id))
            .values(previous_secret_expires_at=webhooks.c.created_at)
        )


async def test_a_failed_attempt_is_retried_until_it_succeeds(
    hook_project: ProjectFactory, dispatcher: Dispatcher
) -> None:
    project = hook_project
    ada, bob = await project.user(), await project.user()
    with receiving() as receiver:
        receiver.answers = [500, 503]
        hook = await subscribe(project, receiver.url, ["follow.created"])
        await project.call("POST", f"/users/{bob.id}/follow", ada)
        stop = asyncio.Event()
        running = asyncio.create_task(dispatcher.run(stop))
        try:
            received = await receiver.wait_for(3)
        finally:
            stop.set()
            await running
    assert len({item.headers["x-webhook-id"] for item in received}) == 1
    assert received[0].body == received[2].body  # the same bytes every attempt
    [delivery] = await deliveries(project, hook["id"])
    assert delivery["status"] == "succeeded"
    assert delivery["attempts"] == 3
    assert delivery["lastStatusCode"] == 200
    assert delivery["lastError"] is None
    assert delivery["nextAttemptAt"] is None
    assert delivery["eventType"] == "follow.created"


async def test_a_receiver_that_was_down_gets_everything_once_up(
    hook_project: ProjectFactory, dispatcher: Dispatcher
) -> None:
    project = hook_project
    users = [await project.user() for _ in range(6)]
    port = free_port()
    hook = await subscribe(project, f"http://127.0.0.1:{port}/hooks", ["follow.created"])
    for follower in users[1:]:
        await project.call("POST", f"/users/{users[0].id}/follow", follower)
    await dispatcher.drain()  # every first attempt fails: nothing listens yet
    failed = await deliveries(project, hook["id"])
    assert {item["status"] for item in failed} == {"failed"}
    assert all(item["lastError"] and item["lastStatusCode"] is None for item in failed)
    with receiving(port) as receiver:
        stop = asyncio.Event()
        running = asyncio.create_task(dispatcher.run(stop))
        try:
            await receiver.wait_until(
                lambda got: len({r.headers["x-webhook-id"] for r in got}) == 5
            )
        finally:
            stop.set()
            await running
    assert {item["status"] for item in await deliveries(project, hook["id"])} == {"succeeded"}


async def test_a_delivery_gives_up_and_can_be_sent_again(
    hook_project: ProjectFactory, hook_app: FastAPI, hook_settings: Settings
) -> None:
    project = hook_project
    ada, bob = await project.user(), await project.user()
    impatient = make_dispatcher(
        hook_app, hook_settings.model_copy(update={"webhook_give_up_hours": 1e-9})
    )
    try:
        with receiving() as receiver:
            receiver.answers = [500]
            hook = await subscribe(project, receiver.url, ["follow.created"])
            await project.call("POST", f"/users/{bob.id}/follow", ada)
            await impatient.drain()
            [dead] = await deliveries(project, hook["id"])
            assert dead["status"] == "dead"
            assert dead["lastStatusCode"] == 500
            assert dead["lastError"] == "answered HTTP 500"
            assert dead["nextAttemptAt"] is None

            again = await project.call(
                "POST",
                f"/webhooks/{hook['id']}/deliveries/{dead['id']}/redeliver",
                headers=project.service_auth,
            )
            assert again.status_code == 202, again.text
            assert again.json()["status"] == "pending"
            assert again.json()["eventId"] == dead["eventId"]
            await impatient.drain()
    finally:
        await impatient.close()
    assert [item.headers["x-webhook-id"] for item in receiver.received] == [dead["eventId"]] * 2
    newest, oldest = await deliveries(project, hook["id"])
    assert (newest["id"], newest["status"]) == (again.json()["id"], "succeeded")
    assert (oldest["id"], oldest["status"]) == (dead["id"], "dead")


async def test_the_address_is_checked_again_at_delivery(
    hook_project: ProjectFactory, hook_app: FastAPI, hook_settings: Settings
) -> None:
    """A webhook saved while its host was allowed (or that resolved elsewhere then) is not
    sent once it resolves to a loopback address: the check runs before every attempt."""
    project = hook_project
    ada, bob = await project.user(), await project.user()
    strict = make_dispatcher(
        hook_app, hook_settings.model_copy(update={"webhooks_allow_private": False})
    )
    try:
        with receiving() as receiver:
            hook = await subscribe(
                project, f"http://localhost:{receiver.port}/hooks", ["follow.created"]
            )
            await project.call("POST", f"/users/{bob.id}/follow", ada)
            await strict.drain()
    finally:
        await strict.close()
    assert receiver.received == []
    [refused] = await deliveries(project, hook["id"])
    assert refused["status"] == "failed"
    assert refused["lastError"].startswith("refused: ")


async def test_a_slow_receiver_does_not_hold_back_the_others(
    hook_project: ProjectFactory, dispatcher: Dispatcher
) -> None:
    project = hook_project
    ada, bob = await project.user(), await project.user()
    with receiving() as slow, receiving() as quick:
        slow.delay_seconds = 1.5
        await subscribe(project, slow.url, ["follow.created"])
        await subscribe(project, quick.url, ["follow.created"])
        await project.call("POST", f"/users/{bob.id}/follow", ada)
        started = time.monotonic()
        stop = asyncio.Event()
        running = asyncio.create_task(dispatcher.run(stop))
        try:
            await quick.wait_for(1)
            quick_after = time.monotonic() - started
            await slow.wait_for(1)
        finally:
            stop.set()
            await running
    assert quick_after < 1.0
