"""A real browser on another origin calls mutuals with a Bearer token (API.md §11).

Headless Chromium opens a page served from a second loopback port; the page's script calls
a served mutuals (a preflighted POST and a GET) and reports what it saw back to the page's
own server. The allowed origin gets through; another origin is refused by the browser.
"""

import json
import os
import queue
import shutil
import signal
import subprocess
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from mutuals.config import Settings
from tests.browsers.test_cors import allow
from tests.databases import in_ci
from tests.factories import ProjectFactory
from tests.live_server import live_server

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
# As root in a container, without a GPU or network beyond loopback.
CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
)

PAGE = """<!doctype html>
<html><body><script>
const api = %(api)s, token = %(token)s, other = %(other)s;
async function call(method, path, body) {
  try {
    const response = await fetch(api + path, {
      method,
      headers: {"Authorization": "Bearer " + token, "Content-Type": "application/json"},
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return {status: response.status, body: await response.json(),
            requestId: response.headers.get("X-Request-Id")};
  } catch (error) {
    return {blocked: String(error)};
  }
}
(async () => {
  const requested = await call("POST", "/users/" + other + "/connection", {message: "hi"});
  const count = await call("GET", "/connections/pending/sent");
  await fetch("/result", {method: "POST", body: JSON.stringify({requested, count})});
})();
</script></body></html>
"""


@contextmanager
def page_server(page: str) -> Iterator[tuple[str, "queue.Queue[dict[str, Any]]"]]:
    """Serves `page` at / and collects what the page POSTs to /result."""
    results: queue.Queue[dict[str, Any]] = queue.Queue()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            body = page.encode()
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", "0"))
            results.put(json.loads(self.rfile.read(length)))
            self.send_response(204)
            self.end_headers()

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib name
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", results
    finally:
        server.shutdown()
        server.server_close()


def browse(url: str, results: "queue.Queue[dict[str, Any]]") -> dict[str, Any]:
    assert CHROMIUM is not None
    with tempfile.TemporaryDirectory(ignore_cleanup_errors=True) as profile:
        browser = subprocess.Popen(  # noqa: S603 - Debian's chromium, our own page
            [CHROMIUM, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", url],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,  # its helper processes share the group, and go with it
        )
        try:
            return results.get(timeout=60)
        finally:
            os.killpg(browser.pid, signal.SIGKILL)
            browser.wait(timeout=30)


@pytest.fixture
def chromium() -> None:
    if CHROMIUM is None:
        if in_ci():
            pytest.fail("chromium must be installed in CI (.ci/run installs it)")
        pytest.skip("chromium is not installed (apt-get install chromium)")


@pytest.mark.usefixtures("chromium")
async def test_a_page_on_an_allowed_origin_calls_mutuals(
    project: ProjectFactory, settings: Settings
) -> None:
    ada, bob = await project.user(), await project.user()
    with live_server(settings) as api:
        page = PAGE % {
            "api": json.dumps(f"{api}/v7/{project.id}"),
            "token": json.dumps(ada.token),
            "other": json.dumps(bob.id),
        }
        with page_server(page) as (allowed_origin, allowed_results):
            await allow(project, allowed_origin)
            seen = browse(allowed_origin + "/", allowed_results)
            assert seen["requested"]["status"] == 201, seen
            assert seen["requested"]["body"]["status"] == "pending"
            assert seen["requested"]["requestId"], "X-Request-Id is exposed to the page"
            assert seen["count"]["status"] == 200, seen
            assert [item["user"]["id"] for item in seen["count"]["body"]["data"]] == [bob.id]

        # Same page, another origin: the browser refuses to let the script read anything,
        # and the preflight keeps the POST from ever being sent.
        carol = await project.user()
        page = page.replace(json.dumps(bob.id), json.dumps(carol.id))
        with page_server(page) as (other_origin, other_results):
            seen = browse(other_origin + "/", other_results)
            assert "blocked" in seen["requested"], seen
            assert "blocked" in seen["count"], seen
        status = await project.call("GET", f"/users/{carol.id}/connection", ada)
        assert status.json() == {"status": "none"}
