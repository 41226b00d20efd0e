"""Random small graphs (hypothesis): relationships, mutual lists and suggestions as the
service answers them equal a brute-force computation over the same graph, blocks and
dismissals included. The graphs are far below the suggestions' sampling bounds, so the
answers must be exact."""

import asyncio
import uuid
from dataclasses import dataclass, field
from typing import Any

import pytest
from hypothesis import strategies as st

from mutuals.relationships import repository
from tests.examples import Caller, run_examples
from tests.factories import Member, ProjectFactory

EXAMPLES = 25
MAX_USERS = 7

pairs = st.tuples(st.integers(0, MAX_USERS - 1), st.integers(0, MAX_USERS - 1)).filter(
    lambda pair: pair[0] != pair[1]
)
graphs = st.fixed_dictionaries(
    {
        "users": st.integers(3, MAX_USERS),
        "records": st.lists(
            st.tuples(pairs, st.sampled_from(["pending", "accepted", "accepted", "declined"])),
            max_size=14,
            unique_by=lambda record: frozenset(record[0]),
        ),
        "follows": st.lists(pairs, max_size=12, unique=True),
        "blocks": st.lists(pairs, max_size=2, unique=True),
        "dismissals": st.lists(pairs, max_size=3, unique=True),
    }
)


@dataclass
class Record:
    id: str
    requester: int
    status: str
    connected_at: int = 0


@dataclass
class Graph:
    """What the service should hold, with logical times in the order changes were made."""

    members: list[Member]
    records: dict[frozenset[int], Record] = field(default_factory=dict)
    follows: dict[tuple[int, int], int] = field(default_factory=dict)
    blocks: set[tuple[int, int]] = field(default_factory=set)
    dismissals: set[tuple[int, int]] = field(default_factory=set)

    def blocked(self, a: int, b: int) -> bool:
        return (a, b) in self.blocks or (b, a) in self.blocks

    def neighbours(self, user: int) -> set[int]:
        return {
            other
            for pair, record in self.records.items()
            if user in pair and record.status == "accepted"
            for other in pair - {user}
        }

    def connected_at(self, a: int, b: int) -> int:
        return self.records[frozenset((a, b))].connected_at

    def key(self, user: int) -> str:
        return self.members[user].id


def build(caller: Caller, spec: dict[str, Any]) -> Graph:
    project = caller.project
    graph = Graph([caller.wait(project.user()) for _ in range(spec["users"])])
    clock = 0
    for (a, b), status in spec["records"]:
        if max(a, b) >= len(graph.members):
            continue
        response = caller.send("POST", f"/users/{graph.key(b)}/connection", graph.members[a], {})
        assert response.status_code == 201, response.text
        record = Record(response.json()["id"], a, "pending")
        if status != "pending":
            verb = "accept" if status == "accepted" else "decline"
            response = caller.send("PATCH", f"/connections/{record.id}/{verb}", graph.members[b])
            assert response.status_code == 200, response.text
            clock += 1
            record.status, record.connected_at = status, clock
        graph.records[frozenset((a, b))] = record
    for a, b in spec["follows"]:
        if max(a, b) < len(graph.members):
            response = caller.send("POST", f"/users/{graph.key(b)}/follow", graph.members[a], {})
            assert response.status_code == 201, response.text
            clock += 1
            graph.follows[(a, b)] = clock
    for a, b in spec["blocks"]:
        if max(a, b) < len(graph.members) and not graph.blocked(a, b):
            response = caller.send("POST", f"/users/{graph.key(b)}/block", graph.members[a], {})
            assert response.status_code == 201, response.text
            graph.blocks.add((a, b))
            graph.records.pop(frozenset((a, b)), None)
            graph.follows.pop((a, b), None)
            graph.follows.pop((b, a), None)
    for a, b in spec["dismissals"]:
        if max(a, b) < len(graph.members):
            path = f"/connections/suggestions/{graph.key(b)}"
            assert caller.send("DELETE", path, graph.members[a]).status_code == 204
            graph.dismissals.add((a, b))
    return graph


def expected_relationship(graph: Graph, me: int, other: int) -> dict[str, Any]:
    if (other, me) in graph.blocks:
        return {"userId": graph.key(other), "found": False}
    record = graph.records.get(frozenset((me, other)))
    connection: dict[str, str] = {"status": "none"}
    if record is not None and record.status == "accepted":
        connection = {"status": "connected", "connectionId": record.id}
    elif record is not None:
        direction = "sent" if record.requester == me else "received"
        connection = {"status": record.status, "type": direction, "connectionId": record.id}
    mutuals = 0 if me == other else len(graph.neighbours(me) & graph.neighbours(other))
    return {
        "userId": graph.key(other),
        "connection": connection,
        "following": (me, other) in graph.follows,
        "followedBy": (other, me) in graph.follows,
        "blocking": (me, other) in graph.blocks,
        "mutualConnectionsCount": mutuals,
    }


def expected_mutuals(graph: Graph, me: int, other: int) -> list[str]:
    shared = graph.neighbours(me) & graph.neighbours(other)
    return [graph.key(m) for m in sorted(shared, key=lambda m: -graph.connected_at(me, m))]


def expected_known_followers(graph: Graph, me: int, other: int) -> list[str]:
    known = [m for (m, followed) in graph.follows if followed == other and (me, m) in graph.follows]
    return [graph.key(m) for m in sorted(known, key=lambda m: -graph.follows[(m, other)])]


def expected_suggestions(graph: Graph, me: int) -> list[tuple[str, int, list[str]]]:
    mine = graph.neighbours(me)
    ranked = []
    for candidate in range(len(graph.members)):
        if (
            candidate == me
            or frozenset((me, candidate)) in graph.records
            or graph.blocked(me, candidate)
            or (me, candidate) in graph.dismissals
        ):
            continue
        shared = mine & graph.neighbours(candidate)
        if not shared:
            continue
        recency = {
            m: max(graph.connected_at(me, m), graph.connected_at(m, candidate)) for m in shared
        }
        shown = sorted(shared, key=lambda m: (-recency[m], uuid.UUID(graph.key(m))))[:3]
        ranked.append(
            (
                (-len(shared), -max(recency.values()), uuid.UUID(graph.key(candidate))),
                (graph.key(candidate), len(shared), [graph.key(m) for m in shown]),
            )
        )
    return [answer for _, answer in sorted(ranked)]


def ids_of(page: dict[str, Any]) -> list[str]:
    return [item["user"]["id"] for item in page["data"]]


def check_graph(caller: Caller, graph: Graph) -> None:
    unknown = str(uuid.uuid4())
    everyone = [member.id for member in graph.members]
    for me, member in enumerate(graph.members):
        response = caller.send(
            "GET", f"/relationships?ids={','.join([*everyone, unknown])}", member
        )
        assert response.status_code == 200, response.text
        expected = [expected_relationship(graph, me, other) for other in range(len(everyone))]
        assert response.json()["data"] == [*expected, {"userId": unknown, "found": False}]

        for other in range(len(everyone)):
            if other == me:
                continue
            for name, brute in (
                ("mutual-connections", expected_mutuals),
                ("known-followers", expected_known_followers),
            ):
                response = caller.send("GET", f"/users/{graph.key(other)}/{name}", member)
                if (other, me) in graph.blocks:
                    assert response.status_code == 404, response.text
                    continue
                assert response.status_code == 200, response.text
                assert ids_of(response.json()) == brute(graph, me, other), (name, me, other)
                assert response.json()["pagination"]["totalItems"] == len(brute(graph, me, other))

        response = caller.send("GET", "/connections/suggestions?limit=50", member)
        assert response.status_code == 200, response.text
        answered = [
            (
                item["user"]["id"],
                item["mutualConnectionsCount"],
                [user["id"] for user in item["mutualConnections"]],
            )
            for item in response.json()["data"]
        ]
        assert answered == expected_suggestions(graph, me)


@pytest.fixture(params=["hash", "probe"])
def mutual_strategy(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Batch mutual counts have two plans, picked by the caller's size: force each."""
    threshold = 10**6 if request.param == "hash" else -1
    monkeypatch.setattr(repository, "HASHED_CONNECTIONS_PER_ID", threshold)
    return str(request.param)


async def test_service_agrees_with_brute_force(
    project: ProjectFactory, mutual_strategy: str
) -> None:
    caller = Caller(project, asyncio.get_running_loop())

    def check(spec: dict[str, Any]) -> None:
        check_graph(caller, build(caller, spec))

    await run_examples(check, EXAMPLES, spec=graphs)
