"""Random small graphs and names (hypothesis): suggestions as the service answers them
equal a brute-force ranking written here from the rules of API.md §12.4. The graphs are
far below the index's candidate bounds, so the answers must be exact."""

import asyncio
import unicodedata
from dataclasses import dataclass, field
from typing import Any

from hypothesis import strategies as st

from tests.examples import Caller, run_examples
from tests.factories import Member, ProjectFactory

EXAMPLES = 20
MAX_USERS = 7
WORDS = ["Ana", "Ána", "Anaïs", "Andrés", "Bo", "Böb", "Bob", "Cleo", "Cléa", "Zoë", "María"]
HANDLES = ["ana", "anders", "bob", "bo_b", "cleo", "cl.x", "zoe", "mar"]
QUERIES = [
    "a", "an", "ana", "anai", "án", "ANA", "@an", "andres", "b", "bo", "bo_", "böb",
    "c", "cl", "cle", "cl.", "z", "zoë", "m", "mari", "ana m", "x",
]  # fmt: skip

pairs = st.tuples(st.integers(0, MAX_USERS - 1), st.integers(0, MAX_USERS - 1)).filter(
    lambda pair: pair[0] != pair[1]
)
people = st.lists(
    st.tuples(
        st.sampled_from(HANDLES),
        st.lists(st.sampled_from(WORDS), min_size=1, max_size=2),
    ),
    min_size=3,
    max_size=MAX_USERS,
)
graphs = st.fixed_dictionaries(
    {
        "people": people,
        "connections": st.lists(pairs, max_size=10, unique_by=frozenset),
        "follows": st.lists(pairs, max_size=10, unique=True),
        "blocks": st.lists(pairs, max_size=2, unique=True),
    }
)


def folded(text: str) -> str:
    """Lower case, accents removed: how §12.4 compares."""
    return "".join(
        char
        for char in unicodedata.normalize("NFD", text.lower())
        if unicodedata.category(char) != "Mn"
    )


@dataclass
class Graph:
    members: list[Member]
    names: list[str]
    connected: set[frozenset[int]] = field(default_factory=set)
    follows: set[tuple[int, int]] = field(default_factory=set)
    blocks: set[tuple[int, int]] = field(default_factory=set)

    def neighbours(self, user: int) -> set[int]:
        return {other for pair in self.connected if user in pair for other in pair - {user}}


def build(caller: Caller, spec: dict[str, Any]) -> Graph:
    # A project of its own per example: suggestions range over the whole project.
    project = caller.project
    members, names = [], []
    for index, (handle, words) in enumerate(spec["people"]):
        name = " ".join(words)
        members.append(caller.wait(project.user(name=name, username=f"{handle}{index}")))
        names.append(name)
    graph = Graph(members, names)
    size = len(members)
    for a, b in spec["connections"]:
        if max(a, b) < size:
            sent = caller.send("POST", f"/users/{members[b].id}/connection", members[a], {})
            assert sent.status_code == 201, sent.text
            accepted = caller.send("PATCH", f"/connections/{sent.json()['id']}/accept", members[b])
            assert accepted.status_code == 200, accepted.text
            graph.connected.add(frozenset((a, b)))
    for a, b in spec["follows"]:
        if max(a, b) < size:
            response = caller.send("POST", f"/users/{members[b].id}/follow", members[a], {})
            assert response.status_code == 201, response.text
            graph.follows.add((a, b))
    for a, b in spec["blocks"]:
        if max(a, b) < size and (a, b) not in graph.blocks and (b, a) not in graph.blocks:
            response = caller.send("POST", f"/users/{members[b].id}/block", members[a], {})
            assert response.status_code == 201, response.text
            graph.blocks.add((a, b))
            graph.connected.discard(frozenset((a, b)))
            graph.follows -= {(a, b), (b, a)}
    return graph


def expected(graph: Graph, me: int | None, raw_query: str) -> list[str]:
    query = folded(raw_query.strip().removeprefix("@"))
    ranked = []
    for user, member in enumerate(graph.members):
        words = [folded(word) for word in graph.names[user].split()]
        by_username = member.username.startswith(query)
        by_name = any(" ".join(words[start:]).startswith(query) for start in range(len(words)))
        if not (by_username or by_name):
            continue
        mutual = 0
        group = 4
        if me is not None:
            if user == me or (me, user) in graph.blocks or (user, me) in graph.blocks:
                continue
            mutual = len(graph.neighbours(me) & graph.neighbours(user))
            if frozenset((me, user)) in graph.connected:
                group = 0
            elif (me, user) in graph.follows:
                group = 1
            elif (user, me) in graph.follows:
                group = 2
            elif mutual:
                group = 3
        followers = sum(1 for _, followed in graph.follows if followed == user)
        key = (
            group,
            -mutual if group == 3 else 0,
            member.username != query,
            not by_username,
            -followers,
            member.username,
        )
        ranked.append((key, member.username))
    return [username for _, username in sorted(ranked)][:25]


def check(caller: Caller, graph: Graph) -> None:
    for me in [None, *range(len(graph.members))]:
        who = None if me is None else graph.members[me]
        for query in QUERIES:
            response = caller.send("GET", f"/users/suggestions?limit=25&query={query}", who)
            assert response.status_code == 200, response.text
            answered = [user["username"] for user in response.json()]
            assert answered == expected(graph, me, query), (me, query)


async def test_suggestions_agree_with_brute_force(project: ProjectFactory) -> None:
    loop = asyncio.get_running_loop()

    def example(spec: dict[str, Any]) -> None:
        fresh = Caller(project, loop)
        fresh.project = fresh.wait(ProjectFactory.create(project.app, project.client))
        check(fresh, build(fresh, spec))

    await run_examples(example, EXAMPLES, spec=graphs)
