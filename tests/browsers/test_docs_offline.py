"""/docs renders in a browser cut off from the internet: Swagger UI's assets come with the
package, and the page draws every operation of /openapi.json."""

import asyncio
import re
import subprocess
import tempfile

import pytest

from mutuals.config import Settings
from mutuals.reference.operations import OPERATIONS
from tests.browsers.test_chromium import CHROMIUM, CHROMIUM_FLAGS, chromium
from tests.live_server import live_server

__all__ = ["chromium"]  # the fixture that skips (or fails in CI) without a browser

# Every name resolves to nothing but loopback: a page that needs a CDN stays blank.
OFFLINE = "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1"


def rendered_dom(url: str) -> str:
    assert CHROMIUM is not None
    with tempfile.TemporaryDirectory() as profile:
        shown = subprocess.run(  # noqa: S603 - Debian's chromium, our own page
            [
                CHROMIUM,
                *CHROMIUM_FLAGS,
                OFFLINE,
                f"--user-data-dir={profile}",
                "--virtual-time-budget=20000",
                "--dump-dom",
                url,
            ],
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
    return shown.stdout


async def test_docs_render_every_operation_offline(chromium: None, settings: Settings) -> None:
    if settings.database_url.startswith("postgresql"):
        pytest.skip("the reference is the same page on both databases")
    with live_server(settings) as base:
        document = await asyncio.to_thread(rendered_dom, f"{base}/docs")
        reference = await asyncio.to_thread(rendered_dom, f"{base}/redoc")
    operations = re.findall(r'class="opblock opblock-(get|post|patch|delete)', document)
    # Every operation of the reference, each one block on the page.
    assert len(operations) == len(OPERATIONS), document[:2000]
    assert "Request a connection" in document
    assert "/v7/{projectId}/users/{userId}/connection" in document
    assert "requestConnection" in reference  # ReDoc shows the operation ids in its links
