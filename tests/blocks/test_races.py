"""A block racing everything that links two users, through real parallel HTTP on a live
server: whatever the interleaving, the block stands, nothing links the pair afterwards,
nothing answers 500, and every counter equals the rows."""

import asyncio
import random
from collections import Counter

import httpx
import pytest

from mutuals.config import Settings
from tests.connections.factories import request
from tests.factories import Member, ProjectFactory
from tests.follows.factories import follow
from tests.invariants import assert_graph_sound, edges_between
from tests.live_server import call

ROUNDS = 6


@pytest.fixture(autouse=True)
def postgres_only(settings: Settings) -> None:
    if not settings.database_url.startswith("postgresql"):
        pytest.skip("races need transactions that really run in parallel")


async def assert_cut_off(project: ProjectFactory, a: Member, b: Member) -> None:
    for x, y in ((a, b), (b, a)):
        status = await project.call("GET", f"/users/{y.id}/connection", x)
        assert status.json() == {"status": "none"}
        following = await project.call("GET", f"/users/{y.id}/follow", x)
        assert following.json() == {"isFollowing": False}
    blocks = [
        (await project.call("GET", f"/users/{y.id}/block", x)).json()["blocked"]
        for x, y in ((a, b), (b, a))
    ]
    assert any(blocks)
    await assert_graph_sound(project)


def no_server_errors(responses: list[httpx.Response]) -> Counter[int]:
    statuses = Counter(response.status_code for response in responses)
    assert all(status < 500 for status in statuses), statuses
    return statuses


async def test_block_races_accept(project: ProjectFactory, live: httpx.AsyncClient) -> None:
    for round_number in range(ROUNDS):
        ada, bob = await project.user(), await project.user()
        connection_id = await request(project, ada, bob)
        blocker, blocked = (ada, bob) if round_number % 2 else (bob, ada)
        responses = await asyncio.gather(
            call(live, project, "PATCH", f"/connections/{connection_id}/accept", bob),
            call(live, project, "POST", f"/users/{blocked.id}/block", blocker),
        )
        statuses = no_server_errors(list(responses))
        assert responses[1].status_code == 201, statuses
        await assert_cut_off(project, ada, bob)


async def test_block_races_requests_and_follows(
    project: ProjectFactory, live: httpx.AsyncClient
) -> None:
    for round_number in range(ROUNDS):
        ada, bob = await project.user(), await project.user()
        blocker, blocked = (ada, bob) if round_number % 2 else (bob, ada)
        links = [
            call(live, project, method, f"/users/{y.id}/{what}", x)
            for x, y in ((ada, bob), (bob, ada))
            for method, what in (("POST", "connection"), ("POST", "follow"))
            for _ in range(3)
        ]
        responses = await asyncio.gather(
            *links[:6],
            call(live, project, "POST", f"/users/{blocked.id}/block", blocker),
            *links[6:],
        )
        no_server_errors(list(responses))
        await assert_cut_off(project, ada, bob)


async def test_blocks_race_each_other_and_existing_links(
    project: ProjectFactory, live: httpx.AsyncClient
) -> None:
    for _ in range(ROUNDS):
        ada, bob, cat = await project.user(), await project.user(), await project.user()
        await follow(project, ada, bob)
        await follow(project, bob, ada)
        await follow(project, cat, bob)
        connection_id = await request(project, ada, bob)
        responses = await asyncio.gather(
            call(live, project, "POST", f"/users/{bob.id}/block", ada),
            call(live, project, "POST", f"/users/{ada.id}/block", bob),
            call(live, project, "POST", f"/users/{bob.id}/block", ada),
            call(live, project, "PATCH", f"/connections/{connection_id}/accept", bob),
            call(live, project, "DELETE", f"/users/{ada.id}/follow", bob),
            call(live, project, "DELETE", f"/users/{bob.id}/follow", ada),
        )
        no_server_errors(list(responses))
        await assert_cut_off(project, ada, bob)
        followers = await project.call("GET", f"/users/{bob.id}/followers-count")
        assert followers.json() == {"count": 1}  # cat's follow is not theirs to sever


# A model of the pair for the storm below: the state is the set of edge lines of
# tests.invariants.edges_between; each operation is (method, what, actor, other).
Operation = tuple[str, str, str, str]


def step(  # noqa: PLR0911 - one answer for each row of the contract's tables
    state: frozenset[str], operation: Operation
) -> tuple[int, frozenset[str]]:
    """The answer one operation gets when run alone in `state`, and the state after."""
    method, what, me, other = operation
    blocked = any(line.startswith("block ") for line in state)
    if what == "block" and method == "POST":
        severed = {line for line in state if not line.startswith("block ")}
        mine = f"block {me} {other}"
        return (200 if mine in state else 201), (state - severed) | {mine}
    if what == "block":
        return 204, state - {f"block {me} {other}"}
    if what == "follow" and method == "POST":
        mine = f"follow {me} {other}"
        if blocked:
            return 404, state
        return (409 if mine in state else 201), state | {mine}
    if what == "follow":
        mine = f"follow {me} {other}"
        return (204, state - {mine}) if mine in state else (404, state)
    if blocked:
        return 404, state
    if any(line.startswith("connection ") for line in state):
        return 409, state
    return 201, state | {f"connection {me} {other} pending"}


def serial_order_gives(
    operations: list[Operation], answers: list[int], final: frozenset[str]
) -> bool:
    """Whether some order of running the operations one by one gives every answer they
    got and ends in `final` (a search over orders, pruned by the answers)."""
    seen: set[tuple[frozenset[int], frozenset[str]]] = set()

    def search(left: frozenset[int], state: frozenset[str]) -> bool:
        if not left:
            return state == final
        if (left, state) in seen:
            return False
        seen.add((left, state))
        for index in left:
            answer, after = step(state, operations[index])
            if answer == answers[index] and search(left - {index}, after):
                return True
        return False

    return search(frozenset(range(len(operations))), frozenset())


async def test_a_storm_between_two_users_ends_as_some_serial_order_would(
    project: ProjectFactory, live: httpx.AsyncClient
) -> None:
    kinds = [("POST", "block"), ("DELETE", "block"), ("POST", "follow"), ("DELETE", "follow")]
    kinds.append(("POST", "connection"))
    generator = random.Random(28)
    for _ in range(ROUNDS):
        ada, bob = await project.user(), await project.user()
        members = {"a": ada, "b": bob}
        operations: list[Operation] = [
            (*generator.choice(kinds), *generator.choice([("a", "b"), ("b", "a")]))
            for _ in range(12)
        ]
        responses = await asyncio.gather(
            *(
                call(live, project, method, f"/users/{members[other].id}/{what}", members[me])
                for method, what, me, other in operations
            )
        )
        no_server_errors(list(responses))
        final = await edges_between(project.app.state.database, project.id, ada.id, bob.id)
        answers = [response.status_code for response in responses]
        assert serial_order_gives(operations, answers, frozenset(final)), (
            list(zip(operations, answers, strict=True)),
            final,
        )
        await assert_graph_sound(project)
