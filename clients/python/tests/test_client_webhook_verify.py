"""`mutuals_client.webhooks.verify` on deliveries made by the served instance's own
dispatcher: both signature schemes, rotation, and every way a delivery can be forged."""

import json
import time

import pytest
from client_factories import new_user
from conftest import Setup
from mutuals_client import Client, WebhookVerificationError
from mutuals_client.webhooks import verify

from tests.webhooks.receiver import Received, receiving

REPLYKE_HEADERS = ("x-webhook-id", "x-timestamp", "x-signature")
STANDARD_HEADERS = ("webhook-id", "webhook-timestamp", "webhook-signature")


def only(received: Received, names: tuple[str, ...]) -> dict[str, str]:
    return {name: value for name, value in received.headers.items() if name in names}


async def test_real_deliveries_verify_with_either_scheme(setup: Setup, service: Client) -> None:
    ada, bob = new_user(service), new_user(service)
    with receiving() as receiver:
        hook = service.webhooks.create(receiver.url, ["*"])
        assert hook.secret is not None
        as_ada = service.acting_as(ada.id)
        as_ada.follows.follow(bob.id)
        request = as_ada.connections.request(bob.id, message="Hi")
        as_ada.blocks.block(bob.id)
        # follow.created, connection.requested, notification.created (x2), then the block
        # and what it severed: connection.withdrawn and follow.deleted (reason "block").
        received = await receiver.wait_for(7)

    events = {}
    for delivery in received:
        for headers in (
            delivery.headers,
            only(delivery, REPLYKE_HEADERS),
            only(delivery, STANDARD_HEADERS),
        ):
            event = verify(hook.secret, headers, delivery.body)
            assert event.id == delivery.event["id"]
        events.setdefault(event.type, []).append(event)

    [followed] = events["follow.created"]
    assert followed.follow is not None and followed.actor_id == ada.id
    assert (followed.follow.follower_id, followed.follow.followed_id) == (ada.id, bob.id)
    assert followed.project_id == setup.project_id
    [requested] = events["connection.requested"]
    assert requested.connection is not None
    assert (requested.connection.id, requested.connection.message) == (request.id, "Hi")
    [withdrawn] = events["connection.withdrawn"]
    assert withdrawn.reason == "block"
    [blocked] = events["block.created"]
    assert blocked.block is not None and blocked.block.blocked_id == bob.id
    notified = events["notification.created"]
    assert {n.notification.type for n in notified if n.notification} == {
        "new-follow",
        "connection-request",
    }


async def test_rotation_verifies_with_the_old_and_the_new_secret(service: Client) -> None:
    ada, bob = new_user(service), new_user(service)
    with receiving() as receiver:
        hook = service.webhooks.create(receiver.url, ["follow.created"])
        rotated = service.webhooks.rotate_secret(hook.id)
        service.acting_as(ada.id).follows.follow(bob.id)
        [delivery] = await receiver.wait_for(1)
    for secret in (hook.secret, rotated.secret):
        assert secret is not None
        for names in (REPLYKE_HEADERS, STANDARD_HEADERS):
            assert verify(secret, only(delivery, names), delivery.body).type == "follow.created"


async def test_forgeries_are_refused(service: Client) -> None:
    ada, bob = new_user(service), new_user(service)
    with receiving() as receiver:
        hook = service.webhooks.create(receiver.url, ["follow.created"])
        service.acting_as(ada.id).follows.follow(bob.id)
        [delivery] = await receiver.wait_for(1)
    secret = hook.secret
    assert secret is not None
    other = service.webhooks.rotate_secret(service.webhooks.create(receiver.url).id).secret
    assert other is not None
    sent_at = int(delivery.headers["webhook-timestamp"])
    body = delivery.body
    changed = json.dumps({**json.loads(body), "type": "follow.deleted"}).encode()
    for names in (REPLYKE_HEADERS, STANDARD_HEADERS):
        headers = only(delivery, names)
        assert verify(secret, headers, body.decode(), now=sent_at + 299).id == delivery.event["id"]
        refusals = [
            (other, headers, body, time.time()),  # another webhook's secret
            (secret, headers, changed, time.time()),  # a body changed in transit
            (secret, headers, body + b" ", time.time()),
            (secret, headers, body, sent_at + 301),  # replayed after the tolerance
            (secret, headers, body, sent_at - 301),
            (secret, {k: v for k, v in headers.items() if "signature" not in k}, body, time.time()),
        ]
        for key, forged_headers, forged_body, now in refusals:
            with pytest.raises(WebhookVerificationError):
                verify(key, forged_headers, forged_body, now=now)
    # A delivery of one event signed for another's id.
    swapped = only(delivery, STANDARD_HEADERS) | {"webhook-id": "evt_other"}
    with pytest.raises(WebhookVerificationError):
        verify(secret, swapped, body)
    with pytest.raises(WebhookVerificationError):
        verify("not-a-whsec-secret!", only(delivery, STANDARD_HEADERS), body)
