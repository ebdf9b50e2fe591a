"""The web pages the gateway serves: `/` (in-app chat) and `/senior` (the accessibility mode).

Plain files from the top-level `web/` folder, no build step; everything they load comes from this gateway
(`/web/...`), which the Content-Security-Policy of the pages enforces: nothing from a CDN.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, Response
from fastapi.staticfiles import StaticFiles

WEB_DIR = Path(__file__).resolve().parents[1] / "web"
# Scripts, styles, audio and sockets only from this origin ('self' covers its ws:/wss: too, CSP level 3);
# replies are played from blob: URLs.
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "media-src 'self' blob:; connect-src 'self'; object-src 'none'; base-uri 'none'; "
    "frame-ancestors 'none'"
)
PAGE_HEADERS = {
    "Content-Security-Policy": CSP,
    "Cache-Control": "no-cache",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    # The microphone for this origin only.
    "Permissions-Policy": "microphone=(self), camera=(), geolocation=()",
}


def router(web_dir: Path = WEB_DIR) -> APIRouter:
    pages = APIRouter(include_in_schema=False)
    # StaticFiles does the safe path resolution, content types and ETag/304 for /web/...
    files = StaticFiles(directory=web_dir, check_dir=False)

    def page(name: str) -> FileResponse:
        return FileResponse(web_dir / name, media_type="text/html; charset=utf-8", headers=PAGE_HEADERS)

    @pages.get("/")
    async def chat_page() -> FileResponse:
        return page("index.html")

    @pages.get("/senior")
    async def senior_page() -> FileResponse:
        return page("senior.html")

    @pages.get("/web/{path:path}")
    async def asset(path: str, request: Request) -> Response:
        response = await files.get_response(path, request.scope)
        response.headers["Cache-Control"] = "no-cache"  # revalidate by ETag: no stale page after an update
        response.headers["X-Content-Type-Options"] = "nosniff"
        return response

    return pages
