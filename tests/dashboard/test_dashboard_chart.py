"""The dashboard's NAV and drawdown chart: uPlot served from the vendored copy, its points
and marks from the timeline endpoint, nothing fetched from elsewhere, no console error."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from .conftest import open_dashboard

pytestmark = pytest.mark.browser


def test_chart_draws_the_timeline_with_uplot_and_marks_the_freeze(page, server):
    problems: list[str] = []
    requests: list[str] = []
    page.on("console", lambda m: problems.append(f"{m.text} {m.location}") if m.type == "error" else None)
    page.on("request", lambda r: requests.append(r.url))
    page.on("response", lambda r: problems.append(f"{r.status} {r.url}") if r.status == 404 else None)
    for equity in (10_000.0, 10_100.0, 10_050.0):
        server.snapshot(equity)
    open_dashboard(page, server, "viewer")
    chart = page.locator("#chart")
    expect(chart).to_have_attribute("data-points", "3")
    expect(chart.locator(".uplot canvas")).to_be_visible()
    expect(chart).to_have_attribute("data-marks", "0")
    server.snapshot(8_900.0)  # DD 11.9 %: a freeze, drawn as a mark
    expect(chart).to_have_attribute("data-points", "4", timeout=20_000)
    expect(chart).to_have_attribute("data-marks", "1")
    expect(page.locator("#chart-summary")).to_contain_text("1 freeze(s)")
    assert "NAV from 1.0000 to 0.8900 over 4 snapshots" in (chart.get_attribute("aria-label") or "")
    assert f"{server.url}/dashboard/vendor/uplot/uPlot.iife.min.js" in requests
    assert all(url.startswith(server.url) for url in requests), requests
    assert page.evaluate("() => typeof uPlot") == "function"
    assert not problems, problems
