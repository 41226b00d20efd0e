"""A user session: tokens kept in a store the app may plug in, refreshed once on the bare
401/403 of an expired token, the rotated refresh token saved."""

import asyncio
import time
import uuid

import httpx
import jwt
import mutuals_client
import pytest
from client_factories import PASSWORD
from conftest import Setup
from fastapi import FastAPI
from mutuals_client import AsyncClient, Client, Tokens

from mutuals.auth.tokens import TokenSigner


class RecordingStore:
    """A store as an app would write one (a row, a keyring): it sees every save."""

    def __init__(self) -> None:
        self.saved: list[Tokens | None] = []

    def load(self) -> Tokens | None:
        return self.saved[-1] if self.saved else None

    def save(self, tokens: Tokens | None) -> None:
        self.saved.append(tokens)


def expired_access_token(app: FastAPI, project_id: str, user_id: str) -> str:
    """An access token of this user whose 30 minutes ran out an hour ago."""
    signer: TokenSigner = app.state.token_signer
    issued = int(time.time()) - 3600
    token = signer.issue(
        "access",
        uuid.UUID(project_id),
        uuid.UUID(user_id),
        extra_claims={"iat": issued, "exp": issued + 1800},
    )
    claims = jwt.decode(token, options={"verify_signature": False})
    assert claims["exp"] < time.time()
    return token


def sign_up(setup: Setup, store: RecordingStore, http: httpx.Client | None = None) -> Client:
    session = Client(setup.url, setup.project_id, token_store=store, http_client=http)
    tag = uuid.uuid4().hex[:8]
    session.auth.sign_up(f"s{tag}@example.com", PASSWORD, username=f"s{tag}")
    return session


async def test_an_expired_token_is_refreshed_once_and_the_call_made(
    setup: Setup, app: FastAPI
) -> None:
    sent: list[httpx.Request] = []
    store = RecordingStore()
    http = httpx.Client(event_hooks={"request": [sent.append]})
    with http, sign_up(setup, store, http) as session:
        first = store.load()
        assert first is not None and first.refresh_token
        me = session.users.get(
            jwt.decode(first.access_token, options={"verify_signature": False})["sub"]
        )
        expired = expired_access_token(app, setup.project_id, me.id)
        store.save(Tokens(expired, first.refresh_token))
        sent.clear()

        assert session.connections.my_count() == 0

        paths = [request.url.path.rsplit("/", 2)[-2:] for request in sent]
        assert paths == [
            ["connections", "count"],
            ["auth", "request-new-access-token"],
            ["connections", "count"],
        ]
        assert sent[0].headers["authorization"] == f"Bearer {expired}"
        renewed = store.load()
        assert renewed is not None
        assert renewed.access_token not in (expired, first.access_token)
        assert renewed.refresh_token not in (None, first.refresh_token)  # rotated and saved
        assert sent[2].headers["authorization"] == f"Bearer {renewed.access_token}"
        # The first refresh token is spent: the session keeps working on its successor.
        assert session.connections.my_count() == 0


async def test_concurrent_calls_share_one_refresh(setup: Setup, app: FastAPI) -> None:
    store = RecordingStore()
    with sign_up(setup, store) as signed_up:
        user = signed_up.users.get(_subject(store))
    first = store.load()
    assert first is not None
    store.save(Tokens(expired_access_token(app, setup.project_id, user.id), first.refresh_token))
    refreshes: list[httpx.Request] = []

    async def count_refreshes(request: httpx.Request) -> None:
        if request.url.path.endswith("/request-new-access-token"):
            refreshes.append(request)

    http = httpx.AsyncClient(event_hooks={"request": [count_refreshes]})
    async with (
        http,
        AsyncClient(setup.url, setup.project_id, token_store=store, http_client=http) as session,
    ):
        counts = await asyncio.gather(*(session.follows.my_followers_count() for _ in range(8)))
    assert counts == [0] * 8
    assert len(refreshes) == 1


async def test_a_refresh_that_fails_raises_its_own_error(setup: Setup, app: FastAPI) -> None:
    store = RecordingStore()
    with sign_up(setup, store) as session:
        user_id = _subject(store)
        session.auth.sign_out()  # revokes the refresh token's family
        assert store.load() is None
        store.save(Tokens(expired_access_token(app, setup.project_id, user_id), "not-a-token"))
        with pytest.raises(mutuals_client.Forbidden) as failed:
            session.connections.my_count()
    assert failed.value.code == "auth/refresh-token-malformed"


async def test_without_a_refresh_token_the_bare_answer_is_raised(
    setup: Setup, app: FastAPI
) -> None:
    store = RecordingStore()
    with sign_up(setup, store):
        user_id = _subject(store)
    expired = expired_access_token(app, setup.project_id, user_id)
    session = Client(setup.url, setup.project_id, access_token=expired)
    with session, pytest.raises(mutuals_client.CredentialRejected) as rejected:
        session.connections.my_count()
    assert (rejected.value.status, rejected.value.code) == (403, None)
    anonymous = Client(setup.url, setup.project_id)
    with anonymous, pytest.raises(mutuals_client.CredentialMissing) as missing:
        anonymous.connections.my_count()
    assert missing.value.status == 401


async def test_a_refresh_token_alone_signs_the_session_in(setup: Setup) -> None:
    store = RecordingStore()
    with sign_up(setup, store):
        tokens = store.load()
    assert tokens is not None and tokens.refresh_token is not None
    with Client(setup.url, setup.project_id, refresh_token=tokens.refresh_token) as kept:
        assert kept.follows.my_following_count() == 0
        assert kept.tokens is not None
        renewed = kept.tokens.load()
    assert renewed is not None and renewed.access_token


async def test_a_service_key_client_keeps_no_tokens(setup: Setup) -> None:
    with setup.service() as service:
        created = service.auth.sign_up("svc-made@example.com", PASSWORD)
        assert created.access_token and service.tokens is None
        # Still the service: acting for the new user needs acting_as.
        with pytest.raises(mutuals_client.BadRequest) as unnamed:
            service.connections.my_count()
        assert unnamed.value.code == "auth/acting-user-required"
        assert created.user is not None
        assert service.acting_as(created.user.id).connections.my_count() == 0
    with pytest.raises(ValueError, match="service key"):
        Client(setup.url, setup.project_id).acting_as(str(uuid.uuid4()))


def _subject(store: RecordingStore) -> str:
    tokens = store.load()
    assert tokens is not None
    subject: str = jwt.decode(tokens.access_token, options={"verify_signature": False})["sub"]
    return subject
