"""``/docs`` (Swagger UI) and ``/redoc`` served from the package: no CDN, works offline.

FastAPI's own pages load their scripts from a public CDN (a floating version, no
integrity check), so they fail offline and a key typed into Swagger's Authorize box
would run next to a third party's code. Here the scripts, style sheet and icon come
from the pinned ``fastapi-offline`` package (Swagger UI 5, ReDoc 2), mounted at
``/docs-assets``, and the pages carry a CSP that allows only our own origin plus the
one inline start-up script of Swagger UI, by its hash.
"""

from __future__ import annotations

import base64
import hashlib
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

import fastapi_offline
from fastapi import Request  # noqa: TC002 - FastAPI reads the handlers' annotations at run time
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html
from fastapi.staticfiles import StaticFiles

from federation_ai.api.page_headers import page_headers

if TYPE_CHECKING:
    from collections.abc import Callable

    from fastapi import FastAPI
    from starlette.responses import HTMLResponse, Response
    from starlette.types import Scope

ASSETS_DIR = Path(fastapi_offline.__file__).parent / "static"
ASSETS_URL = "/docs-assets"
_INLINE_SCRIPT = re.compile(r"<script>(.*?)</script>", re.DOTALL)
_ASSET_CSP = "default-src 'none'; frame-ancestors 'none'"


def _csp(inline_scripts: list[str]) -> str:
    hashes = " ".join(
        "'sha256-" + base64.b64encode(hashlib.sha256(s.encode()).digest()).decode() + "'"
        for s in inline_scripts
    )
    # ReDoc and Swagger UI set inline styles and build workers from blobs
    return (
        f"default-src 'self'; script-src 'self' {hashes}; style-src 'self' 'unsafe-inline'; "
        "img-src 'self' data:; font-src 'self' data:; connect-src 'self'; "
        "worker-src 'self' blob:; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
    )


def _secured(page: HTMLResponse) -> HTMLResponse:
    scripts = _INLINE_SCRIPT.findall(bytes(page.body).decode())
    page.headers.update(page_headers(_csp(scripts)))
    return page


class DocsAssets(StaticFiles):
    async def get_response(self, path: str, scope: Scope) -> Response:
        response = await super().get_response(path, scope)
        response.headers.update(page_headers(_ASSET_CSP))
        return response


def mount_docs(app: FastAPI) -> None:
    """``/docs`` and ``/redoc`` over ``app.openapi_url``, assets from the package."""
    title = app.title
    openapi_url = app.openapi_url or "/openapi.json"
    app.mount(ASSETS_URL, DocsAssets(directory=ASSETS_DIR), name="docs-assets")

    def page(
        request: Request,
        render: Callable[..., HTMLResponse],
        name: str,
        assets: dict[str, str],
        **options: Any,
    ) -> HTMLResponse:
        """``render`` with every URL under the proxy's root path; ``assets``: argument -> file."""
        root = request.scope.get("root_path", "")
        urls = {arg: f"{root}{ASSETS_URL}/{file}" for arg, file in assets.items()}
        return _secured(
            render(openapi_url=root + openapi_url, title=f"{title} - {name}", **urls, **options)
        )

    @app.get("/docs", include_in_schema=False)
    async def swagger_ui(request: Request) -> HTMLResponse:
        swagger = {
            "swagger_js_url": "swagger-ui-bundle.js",
            "swagger_css_url": "swagger-ui.css",
            "swagger_favicon_url": "favicon.png",
        }
        # no call to the public validator service
        return page(request, get_swagger_ui_html, "Swagger UI", swagger,
                    oauth2_redirect_url=None, swagger_ui_parameters={"validatorUrl": None})

    @app.get("/redoc", include_in_schema=False)
    async def redoc(request: Request) -> HTMLResponse:
        redoc_assets = {"redoc_js_url": "redoc.standalone.js", "redoc_favicon_url": "favicon.png"}
        return page(request, get_redoc_html, "ReDoc", redoc_assets, with_google_fonts=False)
