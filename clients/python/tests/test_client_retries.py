"""Safe retries: every write carries an idempotency key, so a write whose answer was lost
is sent again and replayed, never done twice; 503 and 429 are waited out."""

from collections.abc import AsyncIterator
from urllib.parse import urlsplit

import httpx
import mutuals_client
import pytest
from client_factories import new_user_async
from conftest import Setup
from losing_proxy import AnswerLosingProxy
from mutuals_client import AsyncClient


@pytest.fixture
async def proxy(server_url: str) -> AsyncIterator[AnswerLosingProxy]:
    address = urlsplit(server_url)
    losing = AnswerLosingProxy(address.hostname or "127.0.0.1", address.port or 80)
    await losing.start()
    yield losing
    await losing.stop()


def recording(sent: list[httpx.Request]) -> httpx.AsyncClient:
    async def record(request: httpx.Request) -> None:
        sent.append(request)

    return httpx.AsyncClient(event_hooks={"request": [record]}, timeout=30)


async def test_a_follow_whose_answer_was_lost_happens_once(
    setup: Setup, proxy: AnswerLosingProxy, async_service: AsyncClient
) -> None:
    ada, bob = await new_user_async(async_service), await new_user_async(async_service)
    sent: list[httpx.Request] = []
    http = recording(sent)
    through_proxy = AsyncClient(
        proxy.url, setup.project_id, service_key=setup.project.service_key, http_client=http
    )
    async with http:
        proxy.answers_to_lose = 1
        follow = await through_proxy.acting_as(ada.id).follows.follow(bob.id)

    assert proxy.lost == 1
    assert [request.method for request in sent] == ["POST", "POST"]
    keys = {request.headers["idempotency-key"] for request in sent}
    assert len(keys) == 1  # the same key: the second copy replays the first's answer
    assert (follow.follower_id, follow.followed_id) == (ada.id, bob.id)
    as_bob = async_service.acting_as(bob.id)
    assert await async_service.follows.followers_count(bob.id) == 1
    assert [n.type async for n in as_bob.notifications.mine()] == ["new-follow"]


async def test_a_connection_request_and_its_accept_survive_lost_answers(
    setup: Setup, proxy: AnswerLosingProxy, async_service: AsyncClient
) -> None:
    ada, bob = await new_user_async(async_service), await new_user_async(async_service)
    through_proxy = AsyncClient(proxy.url, setup.project_id, service_key=setup.project.service_key)
    async with through_proxy:
        proxy.answers_to_lose = 1
        request = await through_proxy.acting_as(ada.id).connections.request(bob.id, message="Hi")
        proxy.answers_to_lose = 1
        accepted = await through_proxy.acting_as(bob.id).connections.accept(request.id)
    assert proxy.lost == 2
    assert accepted.status == "accepted"
    assert await async_service.connections.count_of_user(ada.id) == 1
    bob_notes = [n.type async for n in async_service.acting_as(bob.id).notifications.mine()]
    ada_notes = [n.type async for n in async_service.acting_as(ada.id).notifications.mine()]
    assert (bob_notes, ada_notes) == (["connection-request"], ["connection-accepted"])


async def test_without_retries_a_lost_answer_is_an_error_and_the_key_replays_it(
    setup: Setup, proxy: AnswerLosingProxy, async_service: AsyncClient
) -> None:
    ada, bob = await new_user_async(async_service), await new_user_async(async_service)
    key = f"follow-{ada.id}-{bob.id}"
    through_proxy = AsyncClient(
        proxy.url, setup.project_id, service_key=setup.project.service_key, max_retries=0
    )
    async with through_proxy:
        proxy.answers_to_lose = 1
        with pytest.raises(mutuals_client.APIConnectionError):
            await through_proxy.acting_as(ada.id).follows.follow(bob.id, idempotency_key=key)
        # The app retries later with the key it chose: the answer is the first one's.
        replayed = await through_proxy.acting_as(ada.id).follows.follow(bob.id, idempotency_key=key)
        assert replayed.followed_id == bob.id
        with pytest.raises(mutuals_client.Unprocessable) as reused:
            await through_proxy.acting_as(ada.id).follows.unfollow(bob.id, idempotency_key=key)
    assert reused.value.code == "idempotency/key-reused"
    assert await async_service.follows.followers_count(bob.id) == 1


async def test_reads_are_retried_too(
    setup: Setup, proxy: AnswerLosingProxy, async_service: AsyncClient
) -> None:
    ada = await new_user_async(async_service)
    through_proxy = AsyncClient(proxy.url, setup.project_id, service_key=setup.project.service_key)
    async with through_proxy:
        proxy.answers_to_lose = 2
        assert await through_proxy.follows.followers_count(ada.id) == 0
        proxy.answers_to_lose = 3  # one more than the two retries
        with pytest.raises(mutuals_client.APIConnectionError):
            await through_proxy.follows.followers_count(ada.id)
