"""Writes the document the app serves to tests/operations/openapi.json, the published copy
that test_openapi_document compares with byte for byte."""

import asyncio
import tempfile
from pathlib import Path

import httpx

from mutuals.app import create_app
from mutuals.config import Settings

PUBLISHED = Path(__file__).with_name("openapi.json")


async def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        settings = Settings(
            database_url=f"sqlite+aiosqlite:///{folder}/openapi.db", secret_key="p" * 48
        )
        transport = httpx.ASGITransport(app=create_app(settings))
        async with httpx.AsyncClient(transport=transport, base_url="http://mutuals") as client:
            response = await client.get("/openapi.json")
    response.raise_for_status()
    PUBLISHED.write_bytes(response.content)
    print(f"wrote {PUBLISHED} ({len(response.content):,} bytes)")  # noqa: T201 - a command


if __name__ == "__main__":
    asyncio.run(main())
