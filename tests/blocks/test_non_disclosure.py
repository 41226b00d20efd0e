"""§7.5: nothing reveals to a blocked user that they are blocked.

The walk takes every operation of the OpenAPI document whose path names another user
or a record between the two, calls it as the blocked user against the blocker, and again
against a user who does not exist: the two answers must be the same.
"""

import json
import re
import uuid
from typing import Any

import httpx
import pytest

from mutuals.connections import repository as connections_repository
from tests.blocks.factories import block
from tests.connections.factories import connect
from tests.factories import Member, ProjectFactory
from tests.follows.factories import follow


def answer(response: httpx.Response) -> tuple[int, Any]:
    try:
        body: Any = response.json()
    except ValueError:
        body = response.text
    return response.status_code, body


def operations(document: dict[str, Any]) -> list[tuple[str, str]]:
    """(method, path template) of every operation whose path names another user or record."""
    found = []
    for path, item in document["paths"].items():
        if not path.startswith("/v7/"):
            continue
        for method in item:
            if any(name in path for name in ("{userId}", "{connectionId}", "{followId}")):
                found.append((method.upper(), path.removeprefix("/v7/{projectId}")))
    return found


@pytest.mark.parametrize("who_blocks", ["they block me", "I block them"])
async def test_a_blocked_user_cannot_tell_the_blocker_from_nobody(
    project: ProjectFactory, who_blocks: str
) -> None:
    me, them = await project.user(), await project.user()
    connection_id = await connect(project, me, them)
    follow_id = await follow(project, me, them)
    if who_blocks == "they block me":
        await block(project, them, me)
    else:
        await block(project, me, them)
    nobody = str(uuid.uuid4())
    document = (await project.client.get("/openapi.json")).json()
    walked = operations(document)
    assert len(walked) >= 20, walked
    differences = []
    for method, template in walked:
        if template.endswith("/block"):
            # My own block of them is mine to see and undo; blocking back someone who
            # blocks me answers as for any user who exists (the walk below).
            continue
        answers = []
        for target, record in ((them.id, (connection_id, follow_id)), (nobody, (nobody, nobody))):
            path = (
                template.replace("{userId}", target)
                .replace("{connectionId}", record[0])
                .replace("{followId}", record[1])
            )
            body = {"message": "hi"} if method in {"POST", "PATCH"} else None
            response = await project.call(method, path, me, json=body)
            answers.append(answer(response))
            if response.status_code == 201:  # undo a side effect before the next call
                await project.call("DELETE", path, me)
        if answers[0] != answers[1]:
            differences.append((method, template, answers))
    if who_blocks == "I block them":
        # The blocker may still read the blocked user's profile and lists (§7.5).
        readable = {
            "/users/{userId}",
            "/users/{userId}/connections",
            "/users/{userId}/followers",
            "/users/{userId}/mutual-connections",
            "/users/{userId}/known-followers",
        }
        differences = [d for d in differences if d[1] not in readable and "-count" not in d[1]]
        differences = [d for d in differences if not d[1].endswith("/following")]
    assert differences == []


async def test_the_blocker_still_reads_the_blocked_profile(project: ProjectFactory) -> None:
    ada, bob = await project.user(), await project.user()
    await block(project, ada, bob)
    assert (await project.call("GET", f"/users/{bob.id}", ada)).status_code == 200
    hidden = await project.call("GET", f"/users/{ada.id}", bob)
    assert hidden.json() == {"error": "User not found", "code": "user/not-found"}
    for path in ("connections", "followers", "following"):
        assert (await project.call("GET", f"/users/{bob.id}/{path}", ada)).status_code == 200
        assert (await project.call("GET", f"/users/{ada.id}/{path}", bob)).status_code == 404
    # Anonymous visitors see everyone.
    assert (await project.call("GET", f"/users/{ada.id}")).status_code == 200


def shape(response: httpx.Response, *ids: str) -> tuple[int, Any]:
    """The answer with the given ids and every timestamp put in neutral words, so two
    answers about different users compare."""
    status, body = answer(response)
    text = json.dumps(body, sort_keys=True)
    for number, value in enumerate(ids):
        text = text.replace(value, f"<id {number}>")
    return status, re.sub(r'"\d{4}-\d\d-\d\dT[^"]+Z"', '"<time>"', text)


async def test_the_block_endpoints_answer_for_a_user_who_blocks_me_as_for_anyone(
    project: ProjectFactory,
) -> None:
    me, blocker, anyone = await project.user(), await project.user(), await project.user()
    await block(project, blocker, me)
    steps = [("GET", None), ("DELETE", None), ("POST", {}), ("POST", {}), ("GET", None)]
    steps += [("DELETE", None), ("GET", None), ("DELETE", None)]
    for method, body in steps:
        answers = []
        for target in (blocker, anyone):
            response = await project.call(method, f"/users/{target.id}/block", me, json=body)
            found = response.json() if response.content else {}
            block_ids = [found[key] for key in ("id", "blockId") if key in found]
            answers.append(shape(response, me.id, target.id, *block_ids))
        assert answers[0] == answers[1], (method, answers)


async def _member_ids(page: httpx.Response) -> list[str]:
    body = page.json()
    return [
        (item.get("user") or item.get("connectedUser") or {}).get("id", "") for item in body["data"]
    ]


@pytest.mark.parametrize("direction", ["V blocks B", "B blocks V"])
async def test_a_third_users_lists_leave_out_whom_the_viewer_shares_a_block_with(
    project: ProjectFactory, direction: str
) -> None:
    viewer, blocked, carol, dave = (
        await project.user(),
        await project.user(),
        await project.user(name="Blocked Person"),
        await project.user(),
    )
    blocked = carol  # searchable by name
    for other in (blocked, dave):
        await follow(project, other, carol if other is not carol else dave)
    hub = await project.user()
    for other in (blocked, dave):
        await follow(project, other, hub)
        await follow(project, hub, other)
        await connect(project, hub, other)
    if direction == "V blocks B":
        await block(project, viewer, blocked)
    else:
        await block(project, blocked, viewer)

    lists = [
        (f"/users/{hub.id}/followers", f"/users/{hub.id}/followers-count"),
        (f"/users/{hub.id}/following", f"/users/{hub.id}/following-count"),
        (f"/users/{hub.id}/connections", f"/users/{hub.id}/connections-count"),
    ]
    acting = {"Authorization": f"Bearer {project.service_key}"}
    for list_path, count_path in lists:
        anonymous = await project.call("GET", list_path)
        assert sorted(await _member_ids(anonymous)) == sorted([blocked.id, dave.id])
        for seen in (
            await project.call("GET", list_path, viewer),
            await project.call("GET", f"{list_path}?actingUserId={viewer.id}", headers=acting),
        ):
            assert await _member_ids(seen) == [dave.id], list_path
            assert seen.json()["pagination"]["totalItems"] == 1
        count = await project.call("GET", count_path, viewer)
        assert count.json() == {"count": 1}
        assert (await project.call("GET", count_path)).json() == {"count": 2}
        searched = await project.call("GET", f"{list_path}?query=blocked", viewer)
        assert searched.json()["data"] == []
        assert searched.json()["pagination"]["totalItems"] == 0
        unseen = await project.call("GET", f"{list_path}?query=blocked")
        assert await _member_ids(unseen) == [blocked.id]


async def test_pages_hold_together_when_filtered(project: ProjectFactory) -> None:
    hub, viewer = await project.user(), await project.user()
    fans: list[Member] = [await project.user() for _ in range(7)]
    for fan in fans:
        await follow(project, fan, hub)
    for fan in fans[1::2]:  # three of seven hidden, interleaved with the rest
        await block(project, viewer, fan)
    seen: list[str] = []
    for page in (1, 2, 3):
        response = await project.call(
            "GET", f"/users/{hub.id}/followers?limit=2&page={page}", viewer
        )
        seen += await _member_ids(response)
        assert response.json()["pagination"]["totalItems"] == 4
    assert seen == [fan.id for fan in reversed(fans[0::2])]


@pytest.mark.parametrize("strategy", ["edge scan", "probes"])
async def test_both_ways_of_counting_hidden_connections_agree(
    project: ProjectFactory, strategy: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A filtered count reads whichever side is cheaper (the listed user's edges, or one
    probe per hidden user): force each, and get the same counts. (On SQLite the edge scan
    is never chosen, so both runs there probe.)"""
    threshold = 10**6 if strategy == "edge scan" else -1
    monkeypatch.setattr(connections_repository, "EDGE_SCAN_PER_HIDDEN_USER", threshold)
    hub, viewer = await project.user(), await project.user()
    friends = [await project.user() for _ in range(12)]
    for friend in friends:
        await connect(project, hub, friend)
    for friend in friends[:2]:
        await block(project, viewer, friend)
    await block(project, friends[2], viewer)
    for _ in range(2):
        await block(project, viewer, await project.user())
    count = await project.call("GET", f"/users/{hub.id}/connections-count", viewer)
    assert count.json() == {"count": 9}
    listed = await project.call("GET", f"/users/{hub.id}/connections?limit=100", viewer)
    assert listed.json()["pagination"]["totalItems"] == 9
    assert {item["connectedUser"]["id"] for item in listed.json()["data"]} == {
        friend.id for friend in friends[3:]
    }
    assert (await project.call("GET", f"/users/{hub.id}/connections-count")).json() == {"count": 12}
