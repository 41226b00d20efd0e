"""Arbitrary Unicode into every text field, on both databases: never a 5xx, text that cannot
be stored (U+0000, lone surrogates) is the endpoint's own 400, and whatever is stored reads
back identically.

Bodies are encoded here with `json.dumps` (ASCII escapes), so lone surrogates reach the
server as the `\\ud800` escapes a JavaScript client would send.
"""

import asyncio
import json
import urllib.parse

import httpx
from hypothesis import strategies as st

from mutuals.kit.storable import text_problem
from tests.examples import Caller, run_examples
from tests.factories import ProjectFactory

EXAMPLES = 500
# Every character, surrogates included, with NUL and lone surrogates made common.
any_char = st.one_of(
    st.characters(codec=None, exclude_categories=()),
    st.sampled_from(["\x00", "\ud800", "\udbff", "\udc00", "\udfff"]),
)
any_text = st.text(any_char, max_size=40)
PROFILE_LIMITS = {"name": 100, "avatar": 2048, "bio": 300}


def expected_error(response: httpx.Response, code: str, field: str | None = None) -> None:
    assert response.status_code == 400, response.text
    body = response.json()
    assert body["code"] == code, body
    if field is not None:
        assert body.get("field") == field, body


async def test_connection_message(project: ProjectFactory) -> None:
    ada, bob = await project.user(), await project.user()
    caller = Caller(project, asyncio.get_running_loop())

    def check(message: str) -> None:
        response = caller.send("POST", f"/users/{bob.id}/connection", ada, {"message": message})
        cleaned = message.strip()
        if text_problem(message) is not None:
            expected_error(response, "connection/invalid-message", "message")
            return
        assert response.status_code == 201, response.text
        sent = caller.send("GET", "/connections/pending/sent", ada).json()["data"]
        assert [item["message"] for item in sent] == [cleaned or None]
        received = caller.send("GET", "/app-notifications", bob).json()["data"]
        assert received[0]["metadata"]["initiatorId"] == ada.id
        assert caller.send("DELETE", f"/users/{bob.id}/connection", ada).status_code == 200

    await run_examples(check, EXAMPLES, message=any_text)


async def test_profile_text_fields(project: ProjectFactory) -> None:
    ada = await project.user()
    caller = Caller(project, asyncio.get_running_loop())

    def check(field: str, value: str) -> None:
        response = caller.send("PATCH", f"/users/{ada.id}", ada, {field: value})
        if text_problem(value) is not None:
            expected_error(response, "user/invalid-params", field)
            return
        assert response.status_code == 200, response.text
        stored = value.strip() or None
        assert response.json()[field] == stored
        assert caller.send("GET", f"/users/{ada.id}").json()[field] == stored

    await run_examples(
        check,
        EXAMPLES * len(PROFILE_LIMITS),
        field=st.sampled_from(sorted(PROFILE_LIMITS)),
        value=any_text,
    )


async def test_username(project: ProjectFactory) -> None:
    ada = await project.user()
    caller = Caller(project, asyncio.get_running_loop())

    def check(value: str) -> None:
        response = caller.send("PATCH", f"/users/{ada.id}", ada, {"username": value})
        if response.status_code == 400:
            expected_error(response, "user/invalid-params", "username")
            return
        assert response.status_code in {200, 409}, response.text
        if response.status_code == 200:
            stored = response.json()["username"]
            assert caller.send("GET", f"/users/{ada.id}").json()["username"] == stored

    await run_examples(check, EXAMPLES, value=any_text)


async def test_metadata_keys_and_values(project: ProjectFactory) -> None:
    ada = await project.user()
    caller = Caller(project, asyncio.get_running_loop())

    def check(key: str, value: str) -> None:
        metadata = {key: value, "nested": [{key: value}]}
        response = caller.send("PATCH", f"/users/{ada.id}", ada, {"metadata": metadata})
        if text_problem(key) is not None or text_problem(value) is not None:
            expected_error(response, "user/invalid-params", "metadata")
            return
        assert response.status_code == 200, response.text
        assert response.json()["metadata"] == metadata
        assert caller.send("GET", f"/users/{ada.id}").json()["metadata"] == metadata

    await run_examples(check, EXAMPLES, key=any_text, value=any_text)


async def test_search_query(project: ProjectFactory) -> None:
    ada = await project.user()
    caller = Caller(project, asyncio.get_running_loop())

    def check(query: str) -> None:
        # As a browser would send it; a lone surrogate can only travel percent-encoded.
        encoded = urllib.parse.quote(query, safe="", errors="surrogatepass")
        for path in (f"/users/{ada.id}/connections", "/connections"):
            response = caller.send("GET", f"{path}?query={encoded}", ada)
            if "\x00" in query:
                expected_error(response, "connection/invalid-query")
            else:
                assert response.status_code in {200, 400}, response.text
                if response.status_code == 400:
                    expected_error(response, "connection/invalid-query")

    await run_examples(check, EXAMPLES, query=any_text)


async def test_sign_up_email_and_refresh_token(project: ProjectFactory) -> None:
    caller = Caller(project, asyncio.get_running_loop())

    def check(value: str) -> None:
        # A password too short to hash: only the email's own rules decide the answer.
        signed_up = caller.send("POST", "/auth/sign-up", None, {"email": value, "password": "x"})
        expected_error(signed_up, "auth/invalid-body")
        if text_problem(value) is not None:
            assert signed_up.json()["field"] == "email"
        refreshed = caller.send(
            "POST", "/auth/request-new-access-token", None, {"refreshToken": value}
        )
        if text_problem(value) is not None:
            expected_error(refreshed, "auth/invalid-body", "refreshToken")
        else:
            assert refreshed.status_code in {200, 403}, refreshed.text
        signed_out = caller.send("POST", "/auth/sign-out", None, {"refreshToken": value})
        assert signed_out.status_code == 204

    await run_examples(check, EXAMPLES, value=any_text)


async def test_passwords(project: ProjectFactory) -> None:
    caller = Caller(project, asyncio.get_running_loop())
    unstorable = st.builds(
        lambda head, bad, tail: head + bad + tail,
        any_text,
        st.sampled_from(["\x00", "\ud800", "\udfff"]),
        any_text,
        # A high surrogate just before a low one travels in JSON as a valid pair: what the
        # server reads is storable then, so it is not this test's case.
    ).filter(lambda password: text_problem(json.loads(json.dumps(password))) is not None)

    def refused(password: str) -> None:
        for path in ("/auth/sign-in", "/auth/sign-up"):
            body = {"email": "nobody@example.com", "password": password}
            expected_error(caller.send("POST", path, None, body), "auth/invalid-body", "password")

    await run_examples(refused, EXAMPLES, password=unstorable)

    # Storable passwords of any script round-trip (each costs two argon2id hashes, hence few).
    counter = iter(range(1_000_000))

    def round_trip(password: str) -> None:
        email = f"unicode{next(counter)}.{project.id[:8]}@example.com"
        body = {"email": email, "password": password}
        assert caller.send("POST", "/auth/sign-up", None, body).status_code == 201
        assert caller.send("POST", "/auth/sign-in", None, body).status_code == 200

    await run_examples(
        round_trip,
        10,
        password=st.text(any_char, min_size=8, max_size=40).filter(lambda p: not text_problem(p)),
    )
