"""A hypothesis state machine over all twelve connection operations, follow and unfollow
(both forms), and block and unblock, among four users.

A small in-test model says what every call must answer; after each step the status
endpoints from both sides, the lists and the counts are compared with the model.
"""

import asyncio
import uuid
from dataclasses import dataclass
from typing import Any

import httpx
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from tests.factories import Member, ProjectFactory

USERS = 4
user_index = st.integers(min_value=0, max_value=USERS - 1)


@dataclass
class Record:
    id: str
    requester: int
    receiver: int
    status: str


class ConnectionLifecycle(RuleBasedStateMachine):
    project: ProjectFactory
    loop: asyncio.AbstractEventLoop

    def __init__(self) -> None:
        super().__init__()
        self.members: list[Member] = self._wait(self._make_members())
        self.records: dict[frozenset[int], Record] = {}
        self.follows: dict[tuple[int, int], str] = {}  # (follower, followed) -> follow id
        self.blocks: set[tuple[int, int]] = set()  # (blocker, blocked)

    def blocked(self, a: int, b: int) -> bool:
        return (a, b) in self.blocks or (b, a) in self.blocks

    def hidden_from(self, viewer: int) -> set[int]:
        return {b for (a, b) in self.blocks if a == viewer} | {
            a for (a, b) in self.blocks if b == viewer
        }

    async def _make_members(self) -> list[Member]:
        project = await ProjectFactory.create(self.project.app, self.project.client)
        self.scoped = project
        return [await project.user() for _ in range(USERS)]

    def _wait(self, coroutine: Any) -> Any:
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result(timeout=60)

    def call(self, method: str, path: str, who: int, **kwargs: Any) -> httpx.Response:
        return self._wait(self.scoped.call(method, path, self.members[who], **kwargs))  # type: ignore[no-any-return]

    def record(self, a: int, b: int) -> Record | None:
        return self.records.get(frozenset((a, b)))

    def expect(self, response: httpx.Response, status: int, code: str | None = None) -> None:
        assert response.status_code == status, (response.status_code, response.text)
        if code is not None:
            assert response.json()["code"] == code, response.text

    def target_id(self, a: int, b: int) -> str:
        existing = self.record(a, b)
        return existing.id if existing else str(uuid.uuid4())

    @rule(a=user_index, b=user_index, message=st.one_of(st.none(), st.text(max_size=20)))
    def request(self, a: int, b: int, message: str | None) -> None:
        response = self.call(
            "POST", f"/users/{self.members[b].id}/connection", a, json={"message": message}
        )
        existing = self.record(a, b)
        if a == b:
            self.expect(response, 400, "connection/self-request")
        elif message is not None and "\x00" in message:
            # PostgreSQL cannot store NUL in text: refused on both databases alike.
            self.expect(response, 400, "connection/invalid-message")
        elif self.blocked(a, b):
            self.expect(response, 404, "connection/user-not-found")
        elif existing is None or (existing.status == "declined" and existing.receiver == a):
            self.expect(response, 201)
            if existing is not None:
                assert response.json()["id"] != existing.id
            self.records[frozenset((a, b))] = Record(response.json()["id"], a, b, "pending")
        elif existing.status == "pending":
            self.expect(response, 409, "connection/request-pending")
        elif existing.status == "accepted":
            self.expect(response, 409, "connection/already-connected")
        else:
            self.expect(response, 409, "connection/request-declined")

    @rule(a=user_index, b=user_index, decision=st.sampled_from(["accept", "decline"]))
    def respond(self, a: int, b: int, decision: str) -> None:
        existing = self.record(a, b) if a != b else None
        target = existing.id if existing else str(uuid.uuid4())
        response = self.call("PATCH", f"/connections/{target}/{decision}", a)
        if existing is None or existing.status != "pending":
            self.expect(response, 404, "connection/not-found")
        elif existing.receiver != a:
            self.expect(response, 403, "connection/unauthorized")
        else:
            self.expect(response, 200)
            existing.status = "accepted" if decision == "accept" else "declined"
            assert response.json()["status"] == existing.status

    @rule(caller=user_index, a=user_index, b=user_index)
    def remove_by_id(self, caller: int, a: int, b: int) -> None:
        existing = self.record(a, b) if a != b else None
        target = existing.id if existing else str(uuid.uuid4())
        response = self.call("DELETE", f"/connections/{target}", caller)
        if existing is None or existing.status == "declined":
            self.expect(response, 404, "connection/not-found")
        elif caller not in (existing.requester, existing.receiver) or (
            existing.status == "pending" and caller != existing.requester
        ):
            self.expect(response, 403, "connection/unauthorized")
        else:
            self.expect(response, 200)
            del self.records[frozenset((a, b))]

    @rule(a=user_index, b=user_index)
    def remove_by_user(self, a: int, b: int) -> None:
        response = self.call("DELETE", f"/users/{self.members[b].id}/connection", a)
        existing = self.record(a, b)
        if a == b:
            self.expect(response, 400, "connection/self-disconnect")
        elif existing is None or existing.status == "declined":
            self.expect(response, 404, "connection/not-found")
        elif existing.status == "pending" and existing.receiver == a:
            self.expect(response, 200)
            assert response.json()["status"] == "declined"
            existing.status = "declined"
        else:
            self.expect(response, 200)
            action = "withdraw" if existing.status == "pending" else "disconnect"
            assert response.json()["action"] == action
            del self.records[frozenset((a, b))]

    @rule(a=user_index, b=user_index)
    def follow(self, a: int, b: int) -> None:
        response = self.call("POST", f"/users/{self.members[b].id}/follow", a, json={})
        if a == b:
            self.expect(response, 400, "follow/self-follow")
        elif self.blocked(a, b):
            self.expect(response, 404, "follow/user-not-found")
        elif (a, b) in self.follows:
            self.expect(response, 409, "follow/already-exists")
        else:
            self.expect(response, 201)
            self.follows[(a, b)] = response.json()["id"]

    @rule(a=user_index, b=user_index)
    def unfollow_user(self, a: int, b: int) -> None:
        response = self.call("DELETE", f"/users/{self.members[b].id}/follow", a)
        if (a, b) in self.follows:
            self.expect(response, 204)
            del self.follows[(a, b)]
        else:
            self.expect(response, 404, "follow/not-found")

    @rule(caller=user_index, a=user_index, b=user_index)
    def unfollow_by_id(self, caller: int, a: int, b: int) -> None:
        target = self.follows.get((a, b), str(uuid.uuid4()))
        response = self.call("DELETE", f"/follows/{target}", caller)
        if (a, b) not in self.follows:
            self.expect(response, 404, "follow/not-found")
        elif caller != a:
            self.expect(response, 403, "follow/forbidden")
        else:
            self.expect(response, 204)
            del self.follows[(a, b)]

    @rule(a=user_index, b=user_index)
    def block(self, a: int, b: int) -> None:
        response = self.call("POST", f"/users/{self.members[b].id}/block", a, json={})
        if a == b:
            self.expect(response, 400, "block/self-block")
        elif (a, b) in self.blocks:
            self.expect(response, 200)
        else:
            # Blocking back someone who blocks you is a block of its own (§7.1).
            self.expect(response, 201)
            self.blocks.add((a, b))
            self.records.pop(frozenset((a, b)), None)
            self.follows.pop((a, b), None)
            self.follows.pop((b, a), None)

    @rule(a=user_index, b=user_index)
    def unblock(self, a: int, b: int) -> None:
        response = self.call("DELETE", f"/users/{self.members[b].id}/block", a)
        self.expect(response, 204)
        self.blocks.discard((a, b))

    @precondition(lambda self: bool(self.follows))
    @rule(data=st.data(), by_id=st.booleans())
    def unfollow_an_existing_follow(self, data: st.DataObject, by_id: bool) -> None:
        a, b = data.draw(st.sampled_from(sorted(self.follows)))
        if by_id:
            self.unfollow_by_id(a, a, b)
        else:
            self.unfollow_user(a, b)

    # The rules above draw users at random; these aim at records that exist, so the
    # interesting sequences (respond, then ask again; disconnect, then ask again) come up.
    def _existing(self, data: st.DataObject) -> tuple[int, int]:
        pair = data.draw(st.sampled_from(sorted(tuple(sorted(key)) for key in self.records)))
        a, b = pair
        return (a, b) if data.draw(st.booleans()) else (b, a)

    @precondition(lambda self: bool(self.records))
    @rule(data=st.data(), message=st.one_of(st.none(), st.just("again")))
    def request_within_a_record(self, data: st.DataObject, message: str | None) -> None:
        a, b = self._existing(data)
        self.request(a, b, message)

    @precondition(lambda self: bool(self.records))
    @rule(data=st.data(), decision=st.sampled_from(["accept", "decline"]))
    def respond_within_a_record(self, data: st.DataObject, decision: str) -> None:
        a, b = self._existing(data)
        self.respond(a, b, decision)

    @precondition(lambda self: bool(self.records))
    @rule(data=st.data(), by_id=st.booleans())
    def remove_within_a_record(self, data: st.DataObject, by_id: bool) -> None:
        a, b = self._existing(data)
        if by_id:
            self.remove_by_id(a, a, b)
        else:
            self.remove_by_user(a, b)

    @invariant()
    def status_from_both_sides(self) -> None:
        for a in range(USERS):
            for b in range(USERS):
                if a == b:
                    continue
                body = self.call("GET", f"/users/{self.members[b].id}/connection", a).json()
                existing = self.record(a, b)
                if existing is None:
                    assert body == {"status": "none"}
                    continue
                assert body["connectionId"] == existing.id
                shown = "connected" if existing.status == "accepted" else existing.status
                assert body["status"] == shown
                if existing.status != "accepted":
                    assert body["type"] == ("sent" if existing.requester == a else "received")

    @invariant()
    def lists_and_counts(self) -> None:
        for a in range(USERS):
            member = self.members[a]
            connected = {
                self.members[other].id
                for record in self.records.values()
                if record.status == "accepted" and a in (record.requester, record.receiver)
                for other in (record.requester, record.receiver)
                if other != a
            }
            for path, who in (("/connections", a), (f"/users/{member.id}/connections", None)):
                page = self._wait(
                    self.scoped.call("GET", path, self.members[who] if who is not None else None)
                ).json()
                assert {item["connectedUser"]["id"] for item in page["data"]} == connected
                assert page["pagination"]["totalItems"] == len(connected)
            for path, who in (
                ("/connections/count", a),
                (f"/users/{member.id}/connections-count", None),
            ):
                count = self._wait(
                    self.scoped.call("GET", path, self.members[who] if who is not None else None)
                ).json()
                assert count == {"count": len(connected)}
            for kind in ("sent", "received"):
                expected = {
                    record.id
                    for record in self.records.values()
                    if record.status == "pending"
                    and (record.requester if kind == "sent" else record.receiver) == a
                }
                page = self.call("GET", f"/connections/pending/{kind}", a).json()
                assert {item["id"] for item in page["data"]} == expected
                assert page["pagination"]["totalItems"] == len(expected)

    @invariant()
    def follows_lists_and_counts(self) -> None:
        for a in range(USERS):
            member = self.members[a]
            expected = {
                "followers": {self.members[f].id for (f, g) in self.follows if g == a},
                "following": {self.members[g].id for (f, g) in self.follows if f == a},
            }
            # Each list once as mine and once as public, each count the other way round.
            for direction, ids in expected.items():
                mine = direction == "following"
                path = f"/follows/{direction}" if mine else f"/users/{member.id}/{direction}"
                page = self._wait(self.scoped.call("GET", path, member if mine else None)).json()
                assert {item["user"]["id"] for item in page["data"]} == ids
                assert page["pagination"]["totalItems"] == len(ids)
                path = (
                    f"/users/{member.id}/{direction}-count"
                    if mine
                    else f"/follows/{direction}-count"
                )
                count = self._wait(self.scoped.call("GET", path, None if mine else member))
                assert count.json() == {"count": len(ids)}
        for (a, b), follow_id in self.follows.items():
            status = self.call("GET", f"/users/{self.members[b].id}/follow", a).json()
            assert status["followId"] == follow_id

    @invariant()
    def what_a_viewer_sees(self) -> None:
        for a in range(USERS):
            viewer = (a + 1) % USERS
            member, watcher = self.members[a], self.members[viewer]
            followers = self._wait(
                self.scoped.call("GET", f"/users/{member.id}/followers", watcher)
            )
            count = self._wait(
                self.scoped.call("GET", f"/users/{member.id}/connections-count", watcher)
            )
            if (a, viewer) in self.blocks:
                assert followers.json()["code"] == "follow/user-not-found"
                assert count.json()["code"] == "connection/user-not-found"
                continue
            hidden = self.hidden_from(viewer)
            expected = {self.members[f].id for (f, g) in self.follows if g == a and f not in hidden}
            assert {item["user"]["id"] for item in followers.json()["data"]} == expected
            assert followers.json()["pagination"]["totalItems"] == len(expected)
            connected = [
                record
                for record in self.records.values()
                if record.status == "accepted"
                and a in (record.requester, record.receiver)
                and not ({record.requester, record.receiver} - {a}) & hidden
            ]
            assert count.json() == {"count": len(connected)}


async def test_connection_lifecycle(project: ProjectFactory) -> None:
    ConnectionLifecycle.project = project
    ConnectionLifecycle.loop = asyncio.get_running_loop()
    run_settings = settings(
        max_examples=20,
        stateful_step_count=15,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow],
    )
    await asyncio.to_thread(run_state_machine_as_test, ConnectionLifecycle, settings=run_settings)
