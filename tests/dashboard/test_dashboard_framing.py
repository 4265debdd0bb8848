"""Clickjacking: no URL that serves the dashboard renders inside another site's frame."""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from collections.abc import Iterator

pytestmark = pytest.mark.browser


class _ForeignSite(BaseHTTPRequestHandler):
    """Another origin (another port on loopback) whose page frames a URL given in the path."""

    def do_GET(self) -> None:
        target = "http://" + self.path.removeprefix("/frame/")
        body = f'<html><body><iframe id="victim" src="{target}" width="800" height="600"></iframe></body></html>'
        data = body.encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *_args: object) -> None:
        pass


@pytest.fixture
def foreign() -> Iterator[str]:
    site = ThreadingHTTPServer(("127.0.0.1", 0), _ForeignSite)
    thread = threading.Thread(target=site.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{site.server_address[1]}"
    finally:
        site.shutdown()
        site.server_close()
        thread.join(10)


@pytest.mark.parametrize("path", ["/", "/dashboard/index.html"])
def test_a_foreign_page_cannot_frame_the_dashboard(page, server, foreign, path):
    target = server.url + path
    with page.expect_response(lambda r: r.url == target) as answered:
        page.goto(f"{foreign}/frame/{target.removeprefix('http://')}")
    assert answered.value.status == 200  # the server answered; the browser refused to show it
    page.wait_for_load_state("load")
    frame = page.locator("#victim").element_handle().content_frame()
    assert frame is not None
    assert frame.locator("#api-key").count() == 0, "the dashboard rendered inside a foreign frame"
    assert frame.url != target
