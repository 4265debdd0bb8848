"""`federation serve --demo` prints a login URL; the dashboard opens logged in from it.

The key travels in the URL fragment, which a browser never sends: no request carries
it in its URL, the server's log never shows it, the dashboard keeps it in the tab's
sessionStorage only and takes it out of the address bar at once.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from typing import TYPE_CHECKING

import httpx
import pytest

from .conftest import _free_port

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

pytestmark = pytest.mark.browser

LOGIN = re.compile(r"http://127\.0\.0\.1:(\d+)/#key=([A-Za-z0-9_-]+)")


class Demo:
    def __init__(self, process: subprocess.Popen[bytes], out: Path, err: Path) -> None:
        self.process, self.out, self.err = process, out, err
        self.url = ""
        self.key = ""


@pytest.fixture
def demo(tmp_path) -> Iterator[Demo]:
    port = _free_port()
    out, err = tmp_path / "stdout.txt", tmp_path / "stderr.txt"
    env = {**os.environ, "FEDERATION_SERVICE__DATA_DIR": str(tmp_path)}
    cmd = [sys.executable, "-m", "federation_ai.cli.main", "serve", "--demo",
           "--host", "127.0.0.1", "--port", str(port)]
    with out.open("wb") as o, err.open("wb") as e:
        process = subprocess.Popen(cmd, stdout=o, stderr=e, env=env)
    running = Demo(process, out, err)
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and not running.url:  # readiness, not timing
            if process.poll() is not None:
                pytest.fail(f"serve --demo exited: {err.read_text()[-2000:]}")
            found = LOGIN.search(out.read_text())
            if found:
                assert int(found.group(1)) == port
                running.url, running.key = found.group(0), found.group(2)
            else:
                time.sleep(0.1)
        assert running.url, f"no login URL printed: {out.read_text()!r}"
        assert httpx.get(f"http://127.0.0.1:{port}/health", timeout=5).status_code == 200
        yield running
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def test_the_login_url_opens_the_dashboard_logged_in(page, demo):
    from playwright.sync_api import expect  # noqa: PLC0415

    requested: list[str] = []
    page.on("request", lambda r: requested.append(r.url))
    page.goto(demo.url)
    expect(page.locator("#who")).to_have_text("Key: demo-admin (admin)")
    expect(page.locator("#stream-state")).to_have_attribute("data-state", "live")
    origin = demo.url.split("/#", 1)[0]
    assert page.url == origin + "/"  # out of the address bar
    assert page.evaluate("() => sessionStorage.getItem('federation.apiKey')") == demo.key
    assert page.evaluate("() => localStorage.length") == 0  # the tab only
    assert requested
    assert not [u for u in requested if demo.key in u]
    page.reload()  # the tab still has it
    expect(page.locator("#who")).to_have_text("Key: demo-admin (admin)")
    fresh = page.context.new_page()  # another tab does not
    fresh.goto(origin + "/")
    expect(fresh.locator("#who")).to_have_text("No key")
    fresh.close()


def test_the_key_is_printed_once_and_never_logged(page, demo):
    from playwright.sync_api import expect  # noqa: PLC0415

    page.goto(demo.url)  # the key in use: requests, decisions, the stream
    expect(page.locator("#who")).to_have_text("Key: demo-admin (admin)")
    expect(page.locator("#decision-rows tr.row").first).to_be_attached(timeout=60_000)
    out = demo.out.read_text()
    assert out.count(demo.key) == 1  # the one plain line on stdout
    assert demo.key not in demo.err.read_text()
    assert all(line.startswith("{") for line in demo.err.read_text().splitlines())  # JSON only
