"""Every method of the client once, against the served instance, checking what it returns;
the requests it made are then matched to the routes: a method the walk forgot fails it."""

import re

import httpx
import mutuals_client
import pytest
from client_factories import PASSWORD, new_user
from conftest import Setup
from mutuals_client import Client
from mutuals_client._core import Route
from mutuals_client.client import routes as every_route
from mutuals_client.models import AuthUser, User

from tests.webhooks.receiver import receiving


def _route_pattern(route: Route) -> re.Pattern[str]:
    path = re.sub(r"\{[^}]+\}", "[^/]+", route.template)
    return re.compile(path if route.scope == "root" else f"/v7/[^/]+{path}")


def routes_called(requests: list[httpx.Request]) -> set[Route]:
    routes = every_route()
    called = set()
    for request in requests:
        matching = [
            route
            for route in routes
            if route.method == request.method and _route_pattern(route).fullmatch(request.url.path)
        ]
        assert matching, f"{request.method} {request.url.path} is no route of the client"
        # A literal segment beats a placeholder (/connections/suggestions/{id} is not /{id}).
        called.add(min(matching, key=lambda route: route.template.count("{")))
    return called


async def test_every_method_once(setup: Setup) -> None:
    sent: list[httpx.Request] = []
    http = httpx.Client(event_hooks={"request": [sent.append]}, timeout=30)
    with http, setup.service(http) as service, setup.anonymous(http) as session:
        _identity_and_users(service, session)
        ada, bob, carol, dave = (
            new_user(service, name) for name in ("Ada", "Bob", "Carol", "Dave")
        )
        _connections(service, ada, bob, carol)
        _follows(service, ada, bob)
        _relationships(service, ada, bob, carol, dave)
        _blocks(service, ada, carol)
        _finding(service, session, ada, bob)
        _notifications(service, bob)
        await _webhooks(service, ada, bob)
        _operations(service)
    missing = set(every_route()) - routes_called(sent)
    assert not missing, sorted(f"{route.method} {route.template}" for route in missing)


def _identity_and_users(service: Client, session: Client) -> None:
    assert session.tokens is not None
    signed = session.auth.sign_up(
        "walker@example.com", PASSWORD, username="walker", name="Walker", bio="Walks"
    )
    assert signed.user is not None and signed.access_token and signed.refresh_token
    assert session.tokens.load() == mutuals_client.Tokens(signed.access_token, signed.refresh_token)
    me = session.users.get(signed.user.id)
    assert isinstance(me, AuthUser) and me.email == "walker@example.com"
    assert me.auth_methods == ["password"]
    updated = session.users.update(signed.user.id, bio=None, name="W. Walker")
    assert (updated.name, updated.bio) == ("W. Walker", None)
    seen_by_service = service.users.get(signed.user.id)
    assert seen_by_service.username == "walker"

    again = session.auth.sign_in("walker@example.com", PASSWORD)
    assert again.user is not None and again.user.id == signed.user.id
    refreshed = session.auth.refresh()
    assert refreshed.refresh_token not in (None, again.refresh_token)
    assert session.tokens.load() == mutuals_client.Tokens(
        refreshed.access_token or "", refreshed.refresh_token
    )
    with pytest.raises(mutuals_client.Forbidden) as no_keys:
        session.auth.verify_external_user("not-a-jwt")
    assert no_keys.value.code == "auth/missing-keys"

    session.auth.sign_out()
    assert session.tokens.load() is None
    with pytest.raises(mutuals_client.MutualsError) as revoked:
        session.auth.refresh(refreshed.refresh_token)
    assert revoked.value.area == "auth"


def _connections(service: Client, ada: User, bob: User, carol: User) -> None:
    as_ada, as_bob, as_carol = (service.acting_as(user.id) for user in (ada, bob, carol))
    request = as_ada.connections.request(bob.id, message="  Hi Bob  ")
    assert request.status == "pending"
    status = as_bob.connections.status(ada.id)
    assert (status.status, status.type, status.connection_id) == ("pending", "received", request.id)
    [sent] = list(as_ada.connections.pending_sent())
    assert (sent.user.id, sent.message, sent.type) == (bob.id, "Hi Bob", "sent")
    [received] = list(as_bob.connections.pending_received(page_size=5))
    assert (received.user.id, received.id) == (ada.id, request.id)
    accepted = as_bob.connections.accept(request.id)
    assert (accepted.id, accepted.status) == (request.id, "accepted")

    [listed] = list(service.connections.of_user(ada.id))
    assert (listed.connected_user.id, listed.id) == (bob.id, request.id)
    assert [c.connected_user.id for c in as_bob.connections.mine(query="ad")] == [ada.id]
    assert list(as_bob.connections.mine(query="zz", search_fields="name")) == []
    assert service.connections.count_of_user(ada.id) == 1
    assert as_ada.connections.my_count() == 1

    declined_request = as_carol.connections.request(ada.id)
    declined = as_ada.connections.decline(declined_request.id)
    assert declined.status == "declined"
    removal = as_ada.connections.remove(bob.id)
    assert removal.action == "disconnect"
    withdrawn = as_ada.connections.remove_by_id(as_ada.connections.request(bob.id).id)
    assert withdrawn.message == "Connection request withdrawn successfully."
    assert withdrawn.action is None
    # Connected again, for the mutual-connection walk below.
    as_bob.connections.accept(as_ada.connections.request(bob.id).id)
    as_bob.connections.accept(as_carol.connections.request(bob.id).id)


def _follows(service: Client, ada: User, bob: User) -> None:
    as_ada, as_bob = service.acting_as(ada.id), service.acting_as(bob.id)
    follow = as_ada.follows.follow(bob.id)
    assert (follow.follower_id, follow.followed_id) == (ada.id, bob.id)
    status = as_ada.follows.status(bob.id)
    assert (status.is_following, status.follow_id) == (True, follow.id)
    assert [edge.user.id for edge in service.follows.followers(bob.id)] == [ada.id]
    assert [edge.user.id for edge in service.follows.following(ada.id)] == [bob.id]
    assert [edge.follow_id for edge in as_bob.follows.my_followers()] == [follow.id]
    assert [
        edge.user.id for edge in as_ada.follows.my_following(query="Bo", search_fields="name")
    ] == [bob.id]
    assert (service.follows.followers_count(bob.id), service.follows.following_count(bob.id)) == (
        1,
        0,
    )
    assert (as_ada.follows.my_following_count(), as_ada.follows.my_followers_count()) == (1, 0)
    assert as_ada.follows.unfollow(bob.id) is None
    assert not as_ada.follows.status(bob.id).is_following
    again = as_ada.follows.follow(bob.id)
    as_ada.follows.unfollow_by_id(again.id)
    as_ada.follows.follow(bob.id)


def _relationships(service: Client, ada: User, bob: User, carol: User, dave: User) -> None:
    as_ada, as_carol = service.acting_as(ada.id), service.acting_as(carol.id)
    unknown = "00000000-0000-4000-8000-000000000000"
    to_bob, to_nobody = as_ada.relationships.batch([bob.id, unknown])
    assert to_bob.found and to_bob.following and not to_bob.followed_by
    assert to_bob.connection is not None and to_bob.connection.status == "connected"
    assert (to_nobody.user_id, to_nobody.found, to_nobody.connection) == (unknown, False, None)
    # Carol and Ada are both connected to Bob: Bob is their mutual connection.
    assert [user.id for user in as_carol.relationships.mutual_connections(ada.id)] == [bob.id]
    # Ada follows Bob; once Carol follows Ada, Ada is a follower of Bob whom Carol knows.
    assert list(as_carol.relationships.known_followers(bob.id)) == []
    as_carol.follows.follow(ada.id)
    assert [user.id for user in as_carol.relationships.known_followers(bob.id)] == [ada.id]
    # Dave connects to Bob: Carol may know Dave (Ada is left out: Carol's request was declined).
    service.acting_as(bob.id).connections.accept(
        service.acting_as(dave.id).connections.request(bob.id).id
    )
    [suggested] = as_carol.relationships.suggestions(limit=5)
    assert (suggested.user.id, suggested.mutual_connections_count) == (dave.id, 1)
    assert [user.id for user in suggested.mutual_connections] == [bob.id]
    as_carol.relationships.dismiss_suggestion(dave.id)
    assert as_carol.relationships.suggestions() == []


def _blocks(service: Client, ada: User, carol: User) -> None:
    as_ada = service.acting_as(ada.id)
    block = as_ada.blocks.block(carol.id)
    assert (block.blocker_id, block.blocked_id) == (ada.id, carol.id)
    assert as_ada.blocks.block(carol.id) == block  # idempotent
    status = as_ada.blocks.status(carol.id)
    assert (status.blocked, status.block_id) == (True, block.id)
    assert [blocked.blocked_user.id for blocked in as_ada.blocks.mine()] == [carol.id]
    as_ada.blocks.unblock(carol.id)
    assert not as_ada.blocks.status(carol.id).blocked


def _finding(service: Client, anonymous: Client, ada: User, bob: User) -> None:
    created = service.users.by_foreign_id(
        "app-7",
        create_if_not_found=True,
        name="Zoë Quill",
        username="zquill",
        metadata={"plan": "pro"},
    )
    assert isinstance(created, AuthUser) and created.foreign_id == "app-7"
    assert created.metadata == {"plan": "pro"}
    assert service.users.by_foreign_id("app-7").id == created.id
    public = anonymous.users.by_foreign_id("app-7")
    assert not isinstance(public, AuthUser) and public.username == "zquill"
    with pytest.raises(mutuals_client.NotFound):
        anonymous.users.by_foreign_id("app-8")
    assert anonymous.users.by_username("@ZQuill").id == created.id
    assert anonymous.users.check_username("zquill") is False
    assert anonymous.users.check_username("zquill2") is True
    with pytest.raises(mutuals_client.BadRequest) as invalid:
        anonymous.users.check_username("no")
    assert invalid.value.code == "user/invalid-username"
    assert [user.id for user in anonymous.users.suggestions("zoe")] == [created.id]
    # Ada follows Bob: for Ada, Bob comes before anyone else named like him.
    as_ada = service.acting_as(ada.id)
    assert bob.username is not None
    assert as_ada.users.suggestions(bob.username[:3], limit=3)[0].id == bob.id
    [hit] = anonymous.users.search("zoe quil", limit=5)
    assert hit.record.id == created.id and 0.5 < hit.similarity < 1


def _notifications(service: Client, bob: User) -> None:
    as_bob = service.acting_as(bob.id)
    notifications = list(as_bob.notifications.mine(page_size=2))
    assert {n.type for n in notifications} == {"connection-request", "new-follow"}
    assert as_bob.notifications.unread_count() == len(notifications)
    as_bob.notifications.mark_as_read(notifications[0].id)
    assert as_bob.notifications.unread_count() == len(notifications) - 1
    assert as_bob.notifications.mark_all_as_read() == len(notifications) - 1
    assert as_bob.notifications.unread_count() == 0


async def _webhooks(service: Client, ada: User, bob: User) -> None:
    with receiving() as receiver:
        created = service.webhooks.create(receiver.url, ["follow.deleted"], description="index")
        assert created.secret is not None and created.secret.startswith("whsec_")
        assert service.webhooks.get(created.id).secret is None
        assert [hook.id for hook in service.webhooks.all()] == [created.id]
        updated = service.webhooks.update(created.id, description=None, enabled=True)
        assert (updated.description, updated.enabled) == (None, True)
        rotated = service.webhooks.rotate_secret(created.id)
        assert rotated.secret not in (None, created.secret)

        service.acting_as(ada.id).follows.unfollow(bob.id)
        [delivered] = await receiver.wait_for(1)
        [delivery] = list(service.webhooks.deliveries(created.id))
        assert delivery.event_id == delivered.headers["x-webhook-id"]
        again = service.webhooks.redeliver(created.id, delivery.id)
        assert (again.event_id, again.status) == (delivery.event_id, "pending")
        await receiver.wait_for(2)
        service.webhooks.delete(created.id)
    with pytest.raises(mutuals_client.NotFound) as gone:
        service.webhooks.get(created.id)
    assert gone.value.code == "webhook/not-found"


def _operations(service: Client) -> None:
    assert service.operations.health() is not None
    assert service.operations.ready() is not None
    assert "mutuals_" in service.operations.metrics()
