"""§12.5 search: typo-tolerant matching of usernames and names with a similarity score,
the same on PostgreSQL (pg_trgm) and SQLite (the trigram table)."""

import pytest

from mutuals.users.names import similarity
from tests.assertions import assert_error
from tests.blocks.factories import block
from tests.connections.factories import connect
from tests.factories import Member, ProjectFactory


async def search(
    project: ProjectFactory, query: str, caller: Member | None = None, **body: object
) -> list[dict]:
    response = await project.call("POST", "/search/users", caller, json={"query": query, **body})
    assert response.status_code == 200, response.text
    hits: list[dict] = response.json()
    for hit in hits:
        assert set(hit) == {"similarity", "record"}
        assert 0 <= hit["similarity"] <= 1
    return hits


async def test_a_misspelt_name_finds_the_user(project: ProjectFactory) -> None:
    await project.user(username="ada_l", name="Ada Lovelace")
    await project.user(username="grace", name="Grace Hopper")
    await project.user(username="alan", name="Alan Turing")
    hits = await search(project, "ada lovelase")
    assert [hit["record"]["username"] for hit in hits] == ["ada_l"]
    assert hits[0]["similarity"] == pytest.approx(0.625, abs=1e-4)
    assert hits[0]["record"]["name"] == "Ada Lovelace"
    # Usernames match too, a leading @ and case ignored; accents folded.
    assert [hit["record"]["username"] for hit in await search(project, "@GRACE")] == ["grace"]
    assert [h["record"]["username"] for h in await search(project, "Alán Turíng")] == ["alan"]
    assert await search(project, "zzzzqqq") == []


async def test_most_similar_first_with_the_score(project: ProjectFactory) -> None:
    await project.user(username="jonathan", name="Jonathan Smith")
    await project.user(username="jon_s", name="Jon Smith")
    await project.user(username="joanna", name="Joanna Smythe")
    hits = await search(project, "jon smith")
    scores = [hit["similarity"] for hit in hits]
    assert scores == sorted(scores, reverse=True)
    assert hits[0]["record"]["username"] == "jon_s"
    assert hits[0]["similarity"] == 1.0
    for hit in hits:
        record = hit["record"]
        expected = max(
            similarity(record["username"], "jon smith"), similarity(record["name"], "jon smith")
        )
        assert hit["similarity"] == pytest.approx(expected, abs=1e-4)


async def test_ties_rank_as_suggestions(project: ProjectFactory) -> None:
    me = await project.user(username="searcher", name="Searcher")
    await project.user(username="twin_a", name="Kim Twin")
    friend = await project.user(username="twin_b", name="Kim Twin")
    await connect(project, me, friend)
    # Equal scores: my connection first; for anyone else, by username.
    hits = await search(project, "kim twin", me)
    assert [hit["record"]["username"] for hit in hits] == ["twin_b", "twin_a"]
    assert hits[0]["similarity"] == hits[1]["similarity"] == 1.0
    anonymous = await search(project, "kim twin")
    assert [hit["record"]["username"] for hit in anonymous] == ["twin_a", "twin_b"]


async def test_blocks_and_the_limit(project: ProjectFactory) -> None:
    me = await project.user(username="finder", name="Finder")
    blocker = await project.user(username="rosa_a", name="Rosa Parks")
    blocked = await project.user(username="rosa_b", name="Rosa Parks")
    await project.user(username="rosa_c", name="Rosa Parks")
    await block(project, blocker, me)
    await block(project, me, blocked)
    assert [h["record"]["username"] for h in await search(project, "rosa parks", me)] == ["rosa_c"]
    assert len(await search(project, "rosa parks")) == 3
    assert len(await search(project, "rosa parks", limit=2)) == 2


async def test_invalid_bodies(project: ProjectFactory) -> None:
    for body in (
        {},
        {"query": ""},
        {"query": "x" * 101},
        {"query": 5},
        {"query": "ada", "limit": 0},
        {"query": "ada", "limit": 51},
        {"query": "ada", "limit": "5"},
    ):
        response = await project.call("POST", "/search/users", json=body)
        assert response.status_code == 400, (body, response.text)
        assert response.json()["code"] == "search/invalid-body"
    malformed = await project.call(
        "POST", "/search/users", content=b"{", headers={"content-type": "application/json"}
    )
    assert_error(malformed, 400, "request/invalid-json")
