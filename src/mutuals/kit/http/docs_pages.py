"""/docs (Swagger UI) and /redoc, served with their assets from the installed package
`fastapi-offline`: the reference works on a machine without internet, where the
framework's defaults (scripts from a CDN) render a blank page."""

from collections.abc import Awaitable, Callable
from importlib.resources import files
from pathlib import Path

from fastapi import FastAPI
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

ASSETS = Path(str(files("fastapi_offline") / "static"))
ASSETS_PATH = "/docs-assets"


def serve_docs(app: FastAPI) -> None:
    app.mount(ASSETS_PATH, StaticFiles(directory=ASSETS), name="docs-assets")
    # Both pages depend only on the app, so they are rendered once, here.
    openapi_url, title = app.openapi_url or "/openapi.json", f"{app.title} API reference"
    swagger_ui = get_swagger_ui_html(
        openapi_url=openapi_url,
        title=title,
        swagger_js_url=f"{ASSETS_PATH}/swagger-ui-bundle.js",
        swagger_css_url=f"{ASSETS_PATH}/swagger-ui.css",
        swagger_favicon_url=f"{ASSETS_PATH}/favicon.png",
    )
    redoc = get_redoc_html(
        openapi_url=openapi_url,
        title=title,
        redoc_js_url=f"{ASSETS_PATH}/redoc.standalone.js",
        redoc_favicon_url=f"{ASSETS_PATH}/favicon.png",
        with_google_fonts=False,
    )
    for path, rendered in (("/docs", swagger_ui), ("/redoc", redoc)):
        app.add_api_route(path, _serving(bytes(rendered.body)), include_in_schema=False)


def _serving(html: bytes) -> Callable[[], Awaitable[HTMLResponse]]:
    async def page() -> HTMLResponse:
        return HTMLResponse(html)

    return page
