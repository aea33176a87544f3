"""The web console: static files served at `/console`, talking only to the public `/v3` API.

Plain HTML, CSS and JavaScript modules with no build step, so serving it needs nothing but this
package. The browser keeps the API key in session storage and calls `/v3` with a Bearer header,
exactly as any other client does; the server adds no private endpoint for it.
"""

from __future__ import annotations

from pathlib import Path

from starlette.applications import Starlette
from starlette.responses import RedirectResponse, Response
from starlette.staticfiles import StaticFiles
from starlette.types import Scope

STATIC_DIR = Path(__file__).parent / "static"
CONSOLE_PATH = "/console"

# Scripts and styles come only from our own files (no inline code, no eval); the page may only
# call its own origin; nothing may frame it.
CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'none'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "connect-src 'self'",
        "form-action 'none'",
        "frame-ancestors 'none'",
        "base-uri 'none'",
    )
)
SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    "Cross-Origin-Opener-Policy": "same-origin",
    # Revalidate every time: the files change with the server, and there is no build step to
    # put hashes in their names.
    "Cache-Control": "no-cache",
}


class ConsoleFiles(StaticFiles):
    """Static files with the console's security headers on every answer (errors included)."""

    async def get_response(self, path: str, scope: Scope) -> Response:
        response = await super().get_response(path, scope)
        response.headers.update(SECURITY_HEADERS)
        return response


def mount_console(app: Starlette) -> None:
    """Serve the console at `/console/` and send `/` there, so a person finds it at once."""
    app.mount(CONSOLE_PATH, ConsoleFiles(directory=STATIC_DIR, html=True), name="console")

    async def root(_: object) -> Response:
        return RedirectResponse(f"{CONSOLE_PATH}/", status_code=307)

    app.add_route("/", root, include_in_schema=False)
