"""Races through real parallel HTTP requests against a live server.

The database settles every race: one record per pair, one winner per transition, the
outcome of some serial order, never a 500, and counters equal to the records.
"""

import asyncio
from collections import Counter

import httpx

from mutuals.kit.db.database import Database
from tests.connections.factories import connect, request
from tests.factories import ProjectFactory
from tests.invariants import assert_graph_sound, notification_counts
from tests.live_server import call

PARALLEL = 50


async def test_crossed_requests_make_one_record(
    project: ProjectFactory, live: httpx.AsyncClient
) -> None:
    ada, bob = await project.user(), await project.user()
    calls = [
        call(live, project, "POST", f"/users/{receiver.id}/connection", requester)
        for index in range(PARALLEL)
        for requester, receiver in [((ada, bob) if index % 2 else (bob, ada))]
    ]
    responses = await asyncio.gather(*calls)
    statuses = Counter(response.status_code for response in responses)
    assert statuses == {201: 1, 409: PARALLEL - 1}, statuses
    codes = {response.json()["code"] for response in responses if response.status_code == 409}
    assert codes == {"connection/request-pending"}
    await assert_graph_sound(project)
    database: Database = project.app.state.database
    assert await notification_counts(database, project.id) == {"connection-request": 1}


async def test_accept_races_decline(project: ProjectFactory, live: httpx.AsyncClient) -> None:
    ada, bob = await project.user(), await project.user()
    connection_id = await request(project, ada, bob)
    calls = [
        call(
            live,
            project,
            "PATCH",
            f"/connections/{connection_id}/{'accept' if index % 2 else 'decline'}",
            bob,
        )
        for index in range(PARALLEL)
    ]
    responses = await asyncio.gather(*calls)
    winners = [response for response in responses if response.status_code == 200]
    assert len(winners) == 1, Counter(response.status_code for response in responses)
    assert {response.status_code for response in responses} == {200, 404}
    final = await project.call("GET", f"/users/{bob.id}/connection", ada)
    expected = "connected" if winners[0].json()["status"] == "accepted" else "declined"
    assert final.json()["status"] == expected
    await assert_graph_sound(project)


async def test_accept_races_withdraw(project: ProjectFactory, live: httpx.AsyncClient) -> None:
    pairs = [(await project.user(), await project.user()) for _ in range(PARALLEL // 2)]
    connection_ids = [await request(project, ada, bob) for ada, bob in pairs]
    calls = []
    for (ada, bob), connection_id in zip(pairs, connection_ids, strict=True):
        calls.append(call(live, project, "PATCH", f"/connections/{connection_id}/accept", bob))
        calls.append(call(live, project, "DELETE", f"/connections/{connection_id}", ada))
    responses = await asyncio.gather(*calls)
    outcomes = Counter()
    for accept, remove in zip(responses[::2], responses[1::2], strict=True):
        assert remove.status_code == 200, remove.text
        if accept.status_code == 404:
            # Withdrawn first: the accept found nothing pending.
            assert remove.json() == {"message": "Connection request withdrawn successfully."}
            outcomes["withdrawn first"] += 1
        else:
            # Accepted first: the requester's delete became a disconnect.
            assert accept.status_code == 200, accept.text
            assert remove.json() == {"message": "Connection removed successfully."}
            outcomes["accepted first"] += 1
    assert sum(outcomes.values()) == len(pairs)
    for ada, bob in pairs:
        status = await project.call("GET", f"/users/{bob.id}/connection", ada)
        assert status.json() == {"status": "none"}
    await assert_graph_sound(project)


async def test_remove_by_id_races_remove_by_user(
    project: ProjectFactory, live: httpx.AsyncClient
) -> None:
    pairs = [(await project.user(), await project.user()) for _ in range(PARALLEL // 2)]
    connection_ids = [await connect(project, ada, bob) for ada, bob in pairs]
    calls = []
    for (ada, bob), connection_id in zip(pairs, connection_ids, strict=True):
        calls.append(call(live, project, "DELETE", f"/connections/{connection_id}", ada))
        calls.append(call(live, project, "DELETE", f"/users/{ada.id}/connection", bob))
    responses = await asyncio.gather(*calls)
    for by_id, by_user in zip(responses[::2], responses[1::2], strict=True):
        assert sorted([by_id.status_code, by_user.status_code]) == [200, 404]
    for ada, _bob in pairs:
        count = await project.call("GET", "/connections/count", ada)
        assert count.json() == {"count": 0}
    await assert_graph_sound(project)


async def test_withdraw_races_decline(project: ProjectFactory, live: httpx.AsyncClient) -> None:
    pairs = [(await project.user(), await project.user()) for _ in range(PARALLEL // 2)]
    connection_ids = [await request(project, ada, bob) for ada, bob in pairs]
    calls = []
    for (ada, bob), connection_id in zip(pairs, connection_ids, strict=True):
        calls.append(call(live, project, "DELETE", f"/connections/{connection_id}", ada))
        calls.append(call(live, project, "DELETE", f"/users/{ada.id}/connection", bob))
    responses = await asyncio.gather(*calls)
    for (ada, bob), withdraw, decline in zip(pairs, responses[::2], responses[1::2], strict=True):
        status = (await project.call("GET", f"/users/{bob.id}/connection", ada)).json()
        if withdraw.status_code == 200:
            assert decline.status_code == 404, decline.text
            assert status == {"status": "none"}
        else:
            assert withdraw.status_code == 404, withdraw.text
            assert decline.json()["status"] == "declined"
            assert status["status"] == "declined"
    await assert_graph_sound(project)


async def test_many_users_request_one_hub_while_it_accepts(
    project: ProjectFactory, live: httpx.AsyncClient
) -> None:
    hub = await project.user()
    fans = [await project.user() for _ in range(PARALLEL)]
    created = await asyncio.gather(
        *(call(live, project, "POST", f"/users/{hub.id}/connection", fan) for fan in fans)
    )
    assert {response.status_code for response in created} == {201}
    accepted = await asyncio.gather(
        *(
            call(live, project, "PATCH", f"/connections/{response.json()['id']}/accept", hub)
            for response in created
        )
    )
    assert {response.status_code for response in accepted} == {200}
    count = await project.call("GET", "/connections/count", hub)
    assert count.json() == {"count": PARALLEL}
    await assert_graph_sound(project)
