"""Errors by kind: the class says the family, `code` the detail, and every error names its
request."""

import uuid

import mutuals_client
import pytest
from client_factories import PASSWORD, new_user
from conftest import Setup
from mutuals_client import Client


def test_each_family_has_its_class(setup: Setup, service: Client) -> None:
    ada, bob = new_user(service), new_user(service)
    as_ada = service.acting_as(ada.id)
    as_ada.follows.follow(bob.id)
    nobody = str(uuid.uuid4())
    user_session = Client(setup.url, setup.project_id)
    user_session.auth.sign_in(ada.email or "", PASSWORD)
    wrong_key = Client(setup.url, setup.project_id, service_key="mk_not-a-real-key")
    cases = [
        (lambda: service.users.get("not-a-uuid"), mutuals_client.BadRequest, "user/invalid-params"),
        (lambda: as_ada.follows.follow(nobody), mutuals_client.NotFound, "follow/user-not-found"),
        (lambda: as_ada.follows.follow(bob.id), mutuals_client.Conflict, "follow/already-exists"),
        (
            lambda: user_session.webhooks.all().pages().__next__(),
            mutuals_client.Forbidden,
            "webhook/forbidden",
        ),
        (
            lambda: user_session.auth.sign_in(ada.email or "", PASSWORD + "!"),
            mutuals_client.Unauthorized,
            "auth/wrong-password",
        ),
        (
            lambda: service.auth.sign_up(ada.email or "", PASSWORD),
            mutuals_client.Conflict,
            "DUPLICATE_EMAIL",
        ),
        (
            lambda: wrong_key.connections.count_of_user(ada.id),
            mutuals_client.CredentialRejected,
            None,
        ),
        (
            lambda: service.users.update(ada.id, metadata={"x": "y" * 70_000}),
            mutuals_client.PayloadTooLarge,
            "request/too-large",
        ),
    ]
    with user_session, wrong_key:
        for call, kind, code in cases:
            with pytest.raises(kind) as raised:
                call()
            error = raised.value
            assert isinstance(error, mutuals_client.MutualsError)
            assert (type(error), error.code) == (kind, code)
            assert error.status is not None and error.request_id
            assert error.request_id in str(error)
    duplicate = pytest.raises(mutuals_client.Conflict)
    with duplicate as raised:
        service.auth.sign_up(ada.email or "", PASSWORD)
    assert (raised.value.field, raised.value.area) == ("email", None)


def test_ids_cannot_reach_another_path(service: Client) -> None:
    # An id is one path segment, whatever it holds: "../webhooks" does not list webhooks.
    with pytest.raises(mutuals_client.NotFound) as raised:
        service.users.get("../webhooks")
    assert raised.value.code == "request/not-found"
    with pytest.raises(mutuals_client.BadRequest) as raised:
        service.users.get("a?b=c")
    assert raised.value.code == "user/invalid-params"


def test_an_unreachable_service_is_a_connection_error() -> None:
    client = Client("http://127.0.0.1:9", str(uuid.uuid4()), service_key="k", max_retries=1)
    with client, pytest.raises(mutuals_client.APIConnectionError) as raised:
        client.operations.health()
    assert raised.value.status is None and "ConnectError" in str(raised.value)
