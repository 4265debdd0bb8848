"""A screenshot of the dashboard during a `federation serve --demo` run.

The demo feeds one tick per second; the test waits until decisions, the chart and
the limit bars are populated, then lets the feed run on for ~30 s so the chart shows
a stretch of history. Set DASHBOARD_SCREENSHOT=docs/dashboard.png to refresh the
picture shown in the README; otherwise it is written to the test's temp dir.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest
from playwright.sync_api import expect

from .conftest import open_dashboard, start_server, stop_server

pytestmark = [pytest.mark.browser, pytest.mark.slow]

DEMO_SECONDS = 30


@pytest.fixture
def demo_server(tmp_path):
    srv = start_server(tmp_path, "--demo")
    try:
        yield srv
    finally:
        stop_server(srv)


def test_demo_run_screenshot(browser, demo_server, tmp_path):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(60_000)
    try:
        expect_account = demo_server.get  # the feed creates the account on its first tick
        deadline = time.monotonic() + 60
        while not _has_default(expect_account) and time.monotonic() < deadline:
            time.sleep(0.5)
        open_dashboard(page, demo_server, "admin")
        expect(page.locator("#stream-state")).to_have_attribute("data-state", "live")
        expect(page.locator("#decision-rows tr.row").nth(5)).to_be_attached(timeout=60_000)
        expect(page.locator("#chart[data-points] canvas")).to_be_attached(timeout=60_000)
        expect(page.locator("#limit-bars .limit")).to_have_count(4)
        time.sleep(DEMO_SECONDS)  # let the feed write some history for the picture
        expect(page.locator("#chart[data-points] canvas")).to_be_attached()
        page.evaluate("() => document.activeElement && document.activeElement.blur()")
        target = Path(os.environ.get("DASHBOARD_SCREENSHOT") or tmp_path / "dashboard.png")
        target.parent.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(target), full_page=True)
        assert target.stat().st_size > 10_000
        points = demo_server.get("/timeline", account_id="default")["points"]
        assert len(points) >= DEMO_SECONDS
    finally:
        context.close()


def _has_default(get) -> bool:
    try:
        return "default" in get("/accounts")["accounts"]
    except Exception:
        return False
