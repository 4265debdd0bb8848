"""/docs and /redoc render in Chromium with no request outside the server's origin.

Any request to another origin is recorded and aborted (as if offline); the pages must
still render the API's schema, and the CSP must not have blocked any of our own code.
"""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.browser

# (path, an element that shows the page rendered the API's own schema)
PAGES = [
    ("/docs", ".swagger-ui .info .title"),
    ("/redoc", "h1"),
]


@pytest.mark.parametrize(("path", "rendered"), PAGES)
def test_docs_render_with_no_request_outside_the_origin(page, server, path, rendered):
    from playwright.sync_api import expect  # noqa: PLC0415

    foreign: list[str] = []
    violations: list[str] = []

    def guard(route) -> None:
        url = route.request.url
        if url.startswith((server.url + "/", "data:", "blob:")):
            route.continue_()
        else:  # as if offline: nothing outside the origin answers
            foreign.append(url)
            route.abort()

    page.route("**/*", guard)
    page.on("console", lambda m: violations.append(m.text) if "Content Security Policy" in m.text else None)
    page.goto(server.url + path)
    expect(page.locator(rendered).first).to_contain_text("Federation AI")
    page.wait_for_load_state("networkidle")
    assert foreign == []
    # the CSP may block a third-party image (ReDoc's footer logo): never our own code
    own = [v for v in violations if "https://" not in v and "http://" not in v.replace(server.url, "")]
    assert own == []
