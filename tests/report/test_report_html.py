"""report.html in real Chromium: offline, no console error, its numbers equal report.json.

Set ``FEDERATION_REPORT_SCREENSHOT=docs/report.png`` to write the README's screenshot
from the example history while the test runs.
"""

from __future__ import annotations

import csv
import json
import os
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from federation_ai.cli.main import app
from tests.dashboard.conftest import CHROMIUM, CHROMIUM_ARGS, require_chromium

pytestmark = pytest.mark.browser

ROOT = Path(__file__).parents[2]
INPUTS = {
    "events": ROOT / "examples" / "history-60d.jsonl",
    "freqtrade": ROOT / "tests" / "replay" / "data" / "freqtrade"
    / "backtest-result-2024-06-03_18-42-11.zip",
}  # fmt: skip


@pytest.fixture(scope="module", params=sorted(INPUTS))
def replayed(request, tmp_path_factory):
    out = tmp_path_factory.mktemp(request.param)
    result = CliRunner().invoke(
        app, ["replay", str(INPUTS[request.param]), "--out", str(out), "-q"]
    )
    assert result.exit_code == 0, result.output
    return request.param, out


@pytest.fixture(scope="module")
def browser():
    require_chromium()
    from playwright.sync_api import sync_playwright  # noqa: PLC0415

    with sync_playwright() as pw:
        chromium = pw.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        try:
            yield chromium
        finally:
            chromium.close()


def open_report(browser, path: Path, width: int):
    context = browser.new_context(viewport={"width": width, "height": 900})
    page = context.new_page()
    page.set_default_timeout(15_000)
    problems: list[str] = []
    requests: list[str] = []
    page.on(
        "console",
        lambda m: (
            problems.append(f"{m.type}: {m.text}") if m.type in ("error", "warning") else None
        ),
    )
    page.on("pageerror", lambda exc: problems.append(f"pageerror: {exc}"))
    page.on("request", lambda r: requests.append(r.url))
    page.goto(path.as_uri())
    page.wait_for_selector("body[data-charts]")
    return context, page, problems, requests


def dig(node, path):
    for key in path:
        node = node[key]
    return node


def shown(text: str, kind: str):
    """The number a formatted cell shows (None for the dash of an undefined figure)."""
    if text == "—":
        return None
    if kind == "duration":
        d, h, m = (int(x) for x in re.findall(r"\d+", text))
        return (d * 24 + h) * 60 + m
    return float(text.replace(",", "").replace(" %", ""))


@pytest.mark.parametrize("width", [1280, 800])
def test_report_opens_offline_without_errors_and_fits(browser, replayed, width):
    _, out = replayed
    context, page, problems, requests = open_report(browser, out / "report.html", width)
    try:
        report = json.loads((out / "report.json").read_text())
        with_curves = sum(1 for a in report["accounts"].values() if a["snapshots"])
        assert page.evaluate("document.body.dataset.charts") == str(4 * with_curves)
        assert page.locator("figure.chart canvas").count() == 4 * with_curves
        assert page.evaluate("document.documentElement.scrollWidth") <= width  # no sideways scroll
        boxes = page.locator("figure.chart .uplot").evaluate_all(
            "e => e.map(x => x.getBoundingClientRect().right)"
        )
        assert boxes and max(boxes) <= width
        shot = os.environ.get("FEDERATION_REPORT_SCREENSHOT")
        if shot and width == 1280 and replayed[0] == "events":
            top = page.locator("section.account").first.bounding_box()["y"] - 10
            clip = {"x": 0, "y": top, "width": width, "height": 1050}
            page.screenshot(path=shot, full_page=True, clip=clip)
    finally:
        context.close()
    assert not problems, problems
    assert requests == [(out / "report.html").as_uri()]  # the page itself, nothing else


def test_every_number_on_the_page_is_the_report_json_value(browser, replayed):
    _, out = replayed
    report = json.loads((out / "report.json").read_text())
    context, page, _, _ = open_report(browser, out / "report.html", 1280)
    try:
        cells = page.locator("td[data-path]").evaluate_all(
            "e => e.map(x => [x.dataset.path, x.dataset.value, x.dataset.kind, x.textContent])"
        )
    finally:
        context.close()
    assert len(cells) > 150
    seen = set()
    for raw_path, value, kind, text in cells:
        path = json.loads(raw_path)
        expected = dig(report, path)
        assert json.loads(value) == expected, path
        number = shown(text, kind)
        if expected is None:
            assert number is None, path
        elif kind == "pct":
            assert number == pytest.approx(expected * 100, abs=0.005), path
        elif kind == "duration":
            assert number == int(expected // 60), path
        else:
            assert number == pytest.approx(expected, abs=0.05), path
        seen.add(tuple(path[:2]))
    assert ("total", "raw") in seen and ("total", "kpis") in seen
    assert {p[1] for p in seen if p[0] == "accounts"} == set(report["accounts"])


def test_chart_series_are_governed_csv_points(browser, replayed):
    _, out = replayed
    context, page, _, _ = open_report(browser, out / "report.html", 1280)
    try:
        data = page.evaluate("JSON.parse(document.getElementById('report-data').textContent)")
    finally:
        context.close()
    with (out / "governed.csv").open() as fh:
        rows = list(csv.DictReader(fh))
    for acct in data["accounts"]:
        mine = [r for r in rows if r["account_id"] == acct["id"]]
        assert acct["points"] == len(mine)
        assert 0 < len(acct["t"]) <= 4000
        assert acct["raw"][-1] == round(float(mine[-1]["raw_equity"]), 4)
        assert acct["gov"][-1] == round(float(mine[-1]["governed_equity"]), 4)
        assert max(acct["gov_dd"]) == round(max(float(r["governed_dd"]) for r in mine), 6)
        assert max(acct["raw_dd"]) == round(max(float(r["raw_dd"]) for r in mine), 6)
