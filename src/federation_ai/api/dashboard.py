"""Serve the operator dashboard: ``GET /`` is the page, ``/dashboard/*`` its assets.

Also adds the read endpoints the dashboard needs (``routes_console``). The page itself
is public; every figure on it comes from the API with the key the operator enters.
Every response that serves the page or one of its assets (``/``,
``/dashboard/index.html``, every script and style sheet) carries the same security
headers: a strict CSP that also forbids framing, ``nosniff``, ``X-Frame-Options``
and no referrer, so no URL of the page can be framed by another site.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from fastapi.responses import FileResponse
from fastapi.staticfiles import StaticFiles

from federation_ai.api import routes_console
from federation_ai.api.page_headers import page_headers
from federation_ai.dashboard import STATIC_DIR
from federation_ai.vendor import UPLOT_DIR

if TYPE_CHECKING:
    from fastapi import FastAPI
    from starlette.responses import Response
    from starlette.types import Scope

# Only our own files and our own API: no inline script, no third-party origin.
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
)
_HEADERS = {**page_headers(CSP), "Cache-Control": "no-cache"}


class DashboardFiles(StaticFiles):
    """The dashboard's static files, each answer with the page's security headers."""

    async def get_response(self, path: str, scope: Scope) -> Response:
        response = await super().get_response(path, scope)
        response.headers.update(_HEADERS)
        return response


def mount_dashboard(app: FastAPI) -> None:
    """Add the dashboard page, its assets and its read endpoints to ``app``."""
    app.include_router(routes_console.router)

    @app.get("/", include_in_schema=False)
    async def dashboard_page() -> FileResponse:
        return FileResponse(STATIC_DIR / "index.html", media_type="text/html", headers=_HEADERS)

    # the chart library, vendored once for the dashboard and the replay report; mounted
    # first so that /dashboard does not shadow it
    app.mount("/dashboard/vendor/uplot", DashboardFiles(directory=UPLOT_DIR), name="uplot")
    app.mount("/dashboard", DashboardFiles(directory=STATIC_DIR), name="dashboard")
